"""The lookups a source may use, and the columns each offers for `{lookup.column}` macros."""

from __future__ import annotations

from collections.abc import Sequence

from clientsuccess_connector.config.flow import Flow
from clientsuccess_connector.inputs import read_input
from clientsuccess_connector.read.default_streams import DEFAULT_STREAMS, default_sources
from clientsuccess_connector.read.endpoint import resolve
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.studio.services.common import DEFAULT_DESTINATION, destination_exists


def lookup_choices(flow: Flow) -> list[str]:
    """Lookups a source may use: the flow's, its sources and the default streams."""
    return sorted({*flow.lookups, *flow.sources, *DEFAULT_STREAMS})


def lookup_columns(flow: Flow, names: Sequence[str]) -> dict[str, list[str]]:
    """Columns each lookup offers for `{lookup.column}` macros (from synced data when any)."""
    destination = flow.destination or DEFAULT_DESTINATION
    found: dict[str, list[str]] = {}
    synced = _synced_columns(destination, names)
    for name in names:
        spec = flow.lookups.get(name)
        if spec is not None and spec.file is not None and spec.file.exists():
            first = next(iter(read_input(str(spec.file))), None)
            found[name] = list(first[1]) if first else []
        else:
            found[name] = synced.get(name) or _primary_key(flow, name)
    return found


def _primary_key(flow: Flow, name: str) -> list[str]:
    specs = {**default_sources(), **flow.sources}
    if name not in specs:
        return ["id"]
    return list(resolve(specs[name]).primary_key) or ["id"]


def _synced_columns(destination: str, names: Sequence[str]) -> dict[str, list[str]]:
    if not destination_exists(destination):
        return {}
    try:
        with open_sink(destination, read_only=True) as sink:
            present = set(sink.streams())
            return {n: [c.name for c in sink.schema(n)] for n in names if n in present}
    except Exception:  # e.g. a sync holds the file right now: the menu offers primary keys
        return {}
