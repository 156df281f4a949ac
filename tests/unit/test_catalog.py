"""The endpoint catalogue holds every template the product doc lists, well formed."""

from __future__ import annotations

import re

import pytest

from clientsuccess_connector.catalog import catalog, get_template, settings
from clientsuccess_connector.errors import ConfigError

PRODUCT_DOC_TEMPLATES = {
    "search_pulses", "create_pulse", "search_client_notes", "create_client_note",
    "update_client_note", "patch_client_note", "workato_bulk_upsert_client_notes",
    "create_client_note_from_transcript", "create_client", "bulk_create_clients", "get_client",
    "create_contact", "get_contact", "update_contact", "patch_contact", "search_contacts",
    "bulk_create_contacts", "upsert_batch_contacts", "upsert_contact", "create_contract",
    "get_contract", "update_contract", "search_contracts", "add_contract_items",
    "update_contract_items", "search_contract_notes", "search_contract_attachments",
}  # fmt: skip


def test_every_product_doc_template_is_present() -> None:
    """All 27 templates of the product doc, plus client and product search, are in the catalogue."""
    assert len(PRODUCT_DOC_TEMPLATES) == 27
    names = set(catalog())
    assert names >= PRODUCT_DOC_TEMPLATES
    assert {"search_clients", "search_products", "list_custom_fields"} <= names


@pytest.mark.parametrize("name", sorted(catalog()))
def test_path_parameters_match_the_path(name: str) -> None:
    """Every `{placeholder}` in a path is a required path parameter, and vice versa."""
    template = get_template(name)
    placeholders = set(re.findall(r"{(\w+)}", template.path))
    declared = {p.name for p in template.path_params}
    assert placeholders == declared
    assert all(p.required for p in template.path_params)


def test_reads_name_a_data_path_and_bulk_writes_a_results_path() -> None:
    """Reads say where the records are; bulk writes say where per-item results are."""
    for template in catalog().values():
        if template.kind == "read":
            assert template.data_path.startswith("$")
        if template.is_bulk:
            assert template.results_path


def test_unknown_template_lists_the_known_ones() -> None:
    """A typo gets an error that lists what exists."""
    with pytest.raises(ConfigError, match="search_pulses"):
        get_template("search_pulse")


def test_page_and_batch_limits_are_consistent() -> None:
    """Defaults never exceed the documented maxima."""
    s = settings()
    assert s.default_page_size <= s.max_page_size
    assert s.default_batch_size <= s.max_batch_size
