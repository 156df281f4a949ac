"""The Advanced tab's "Incremental field": a hand-configured search, read incrementally.

The engine reads incrementally only a search it can count and filter by `modifiedAfter` (a
template with the search envelope), so a manual GET of such a search's path is saved as that
template: its query values become the template's parameters, its paths and headers are kept,
and `modifiedAfter` is left to the cursor. Any other endpoint is read in full each time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from clientsuccess_connector.catalog import Template, catalog, envelope
from clientsuccess_connector.errors import ConfigError

_KEPT = ("data_path", "metadata_path", "headers", "date_format", "time_unit", "primary_key")


def _search_at(method: str, path: str) -> Template | None:
    """The search template served at `path` (its end: a base URL may come before it)."""
    for template in catalog().values():
        searches = template.kind == "read" and template.pagination == "envelope"
        if searches and template.method == method and path.endswith(template.path):
            return template
    return None


def incremental_entry(manual: Mapping[str, Any], field: str) -> dict[str, Any]:
    """The flow entry of a manual source read incrementally by `field`; a ConfigError naming the
    fix when its endpoint is no search the engine can read that way."""
    parts = urlsplit(str(manual.get("url") or ""))
    template = _search_at(str(manual.get("method") or "GET").upper(), parts.path.rstrip("/"))
    if template is None:
        raise ConfigError(
            "Incremental field: only a search endpoint such as /clientNote/search can be read "
            "incrementally; clear the field to read this endpoint in full each time"
        )
    cursor = envelope().modified_after_param
    params = {k: v for k, v in parse_qsl(parts.query) if k != cursor}
    entry: dict[str, Any] = {"template": template.name}
    if params:
        entry["params"] = params
    entry.update((k, manual[k]) for k in _KEPT if manual.get(k) not in (None, "", [], {}))
    entry["incremental_field"] = field
    return entry
