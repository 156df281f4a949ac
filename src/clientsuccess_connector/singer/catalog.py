"""The Singer catalog: what `--discover` prints, and which streams and fields `--catalog` selects.

Each stream carries its JSON Schema, `key_properties`, its replication key and method, and
`metadata` by breadcrumb as the Singer spec describes: the stream's own entry (breadcrumb `[]`)
with `selected`, `table-key-properties`, `valid-replication-keys` and
`forced-replication-method`; one entry per property with its `inclusion`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.integration.columns import widen_columns
from clientsuccess_connector.integration.fields import declared_columns
from clientsuccess_connector.integration.plan import replication_key
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.singer.schema import stream_schema


def catalog_entry(source: Source, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The catalog entry of one stream, selected by default, its schema from `records`."""
    columns = widen_columns({}, records)
    key = list(source.primary_key)
    replication = replication_key(source)
    method = "INCREMENTAL" if replication else "FULL_TABLE"
    top: dict[str, Any] = {
        "inclusion": "available", "selected": True, "selected-by-default": True,
        "table-key-properties": key, "forced-replication-method": method,
        "valid-replication-keys": [replication] if replication else [],
    }  # fmt: skip
    fields = [
        {"breadcrumb": ["properties", name],
         "metadata": {"inclusion": "automatic" if name in key or name == replication
                      else "available"}}
        for name in columns
    ]  # fmt: skip
    entry: dict[str, Any] = {
        "tap_stream_id": source.name,
        "stream": source.name,
        "schema": stream_schema(columns, key, records, declared_columns(source)),
        "key_properties": key,
        "replication_method": method,
        "metadata": [{"breadcrumb": [], "metadata": top}, *fields],
    }
    if replication:
        entry["replication_key"] = replication
    return entry


@dataclass(frozen=True)
class Selection:
    """A selected stream: its catalog schema, and the fields left out of its records."""

    schema: dict[str, Any]
    excluded: frozenset[str]


def selected_streams(catalog: Any, known: Mapping[str, Source]) -> dict[str, Selection]:
    """Streams the catalog selects (stream metadata `selected`, else `selected-by-default`,
    else the legacy `schema.selected`), in catalog order; fields deselected by breadcrumb."""
    if not isinstance(catalog, dict) or not isinstance(catalog.get("streams"), list):
        raise ConfigError("--catalog must be a Singer catalog: a JSON object with `streams`")
    chosen: dict[str, Selection] = {}
    for entry in catalog["streams"]:
        name = entry.get("tap_stream_id") or entry.get("stream")
        metadata = {tuple(m.get("breadcrumb", [])): m.get("metadata", {})
                    for m in entry.get("metadata", [])}  # fmt: skip
        top = metadata.get((), {})
        schema = entry.get("schema") or {}
        selected = top.get("selected", top.get("selected-by-default", schema.get("selected")))
        if not selected:
            continue
        if name not in known:
            raise ConfigError(
                f"--catalog selects stream {name!r}, which this config does not have; "
                f"streams: {', '.join(known)} (run --discover again)"
            )
        excluded = frozenset(
            crumb[1] for crumb, md in metadata.items()
            if len(crumb) == 2 and md.get("selected") is False
            and md.get("inclusion") != "automatic"
        )  # fmt: skip
        chosen[name] = Selection(schema, excluded)
    return chosen
