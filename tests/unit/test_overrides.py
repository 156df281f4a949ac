"""A flow file's route corrections are checked when the file loads, before any request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from clientsuccess_connector.config.flow import Flow, parse_flow
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.endpoint import resolve


def flow(doc: dict[str, Any]) -> Flow:
    return parse_flow(yaml.safe_load(yaml.safe_dump(doc)), path=Path("flow.yaml"), env={})


@pytest.mark.parametrize(
    ("templates", "message"),
    [
        ({"create_contakt": {"path": "/contact"}}, "unknown template 'create_contakt'"),
        ({"create_contact": {"route": "/x"}}, "unknown key(s) route"),
        ({"create_contact": {"path": "/c/{clientID}"}}, "placeholder {clientID} is not a field"),
        ({"create_contact": {"path": "contact"}}, "must begin with /"),
        ({"create_contact": {"method": "FETCH"}}, "'FETCH' is not one of"),
        ({"search_pulses": {"method": "DELETE"}}, "templates.search_pulses.method"),
        ({"search_pulses": {"batch_field": "add"}}, "for write templates only"),
        ({"create_contact": {"batch_field": "add"}}, "give results_path too"),
        ({"create_contact": {"results_path": "$.r[*]"}}, "results_path needs batch_field"),
        ({"bulk_create_contacts": {"results_path": "$[["}}, "results_path is not a JSONPath"),
        ({"create_contact": {"rename": {"mail": "e"}}}, "'mail' is not a field of create_contact"),
        ({"create_contact": {"fields": {"email": "string"}}}, "'email' is already a field"),
        ({"create_contact": {"fields": {"tier": "text"}}}, "tier: 'text' is not one of"),
    ],
)
def test_bad_corrections_name_the_key_and_the_fix(templates: dict[str, Any], message: str) -> None:
    """Each mistake in `templates:` is a one-line ConfigError naming where it is."""
    with pytest.raises(ConfigError) as error:
        flow({"templates": templates})
    assert message in str(error.value)
    assert str(error.value).startswith("flow.yaml: templates")
    assert "\n" not in str(error.value)


def test_an_entry_path_with_an_unknown_placeholder_is_refused() -> None:
    """`path:` beside `template:` in a source or a write is checked the same way."""
    with pytest.raises(ConfigError, match=r"sources.p.path: placeholder \{client\}"):
        flow({"sources": {"p": {"template": "search_pulses", "path": "/pulse/{client}"}}})
    with pytest.raises(ConfigError, match=r"writes.w.path: placeholder \{x\}"):
        flow({"writes": {"w": {"template": "create_pulse", "input": "a.csv", "path": "/{x}"}}})


def test_a_placeholder_moves_a_body_field_into_the_path() -> None:
    """The interface example: create_contact under /v1/clients/{clientId}/contacts."""
    corrected = flow(
        {"templates": {"create_contact": {
            "path": "/v1/clients/{clientId}/contacts", "rename": {"notes": "note"},
            "fields": {"tier": "string", "source": {"type": "string", "in": "query"}},
        }}}
    ).template("create_contact")  # fmt: skip
    where = {p.name: p.location for p in corrected.params}
    assert corrected.path == "/v1/clients/{clientId}/contacts"
    assert (where["clientId"], where["note"], where["tier"], where["source"]) == (
        "path", "body", "body", "query",
    )  # fmt: skip
    assert "notes" not in where
    assert corrected.required_fields == ("clientId", "email")


def test_an_entry_correction_wins_over_the_templates_block() -> None:
    """A source's own `path:` beats the flow-wide one; others keep the flow-wide one."""
    parsed = flow(
        {
            "templates": {"search_pulses": {"path": "/pulses/search"}},
            "sources": {
                "mine": {"template": "search_pulses", "path": "/v1/pulse/search"},
                "theirs": {"template": "search_pulses"},
            },
        }
    )
    assert resolve(parsed.source("mine")).url == "/v1/pulse/search"
    assert resolve(parsed.source("theirs")).url == "/pulses/search"
    assert parsed.template("search_pulses", method="POST").method == "POST"


def test_a_manual_source_cannot_take_a_template_path() -> None:
    """`path:` corrects a template; a manual endpoint keeps using `url:`."""
    with pytest.raises(ConfigError, match="a manual source uses `url`"):
        flow({"sources": {"m": {"url": "/x", "path": "/y"}}})
