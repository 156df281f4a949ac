"""Chained calls: load the lookup tables that a flow's sources reference through macros."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from clientsuccess_connector.connection import Connection
from clientsuccess_connector.flow import Flow
from clientsuccess_connector.read import macros
from clientsuccess_connector.read.default_streams import default_sources
from clientsuccess_connector.read.endpoint import Source, SourceSpec, resolve
from clientsuccess_connector.read.lookups import LookupTable, undeclared_lookup
from clientsuccess_connector.read.reader import Reader


def referenced_columns(sources: Iterable[Source]) -> dict[str, set[str]]:
    """Lookup name -> the columns the sources' macros use."""
    needed: dict[str, set[str]] = {}
    for source in sources:
        for lookup, column in macros.lookup_refs(*source.macro_texts()):
            needed.setdefault(lookup, set()).add(column)
    return needed


def prepare_lookups(
    flow: Flow | None, connection: Connection, sources: Iterable[Source]
) -> dict[str, LookupTable]:
    """Load every lookup the sources reference: files are read, streams are fetched first."""
    needed = referenced_columns(sources)
    if not needed:
        return {}
    declared = flow.lookups if flow is not None else {}
    tables: dict[str, LookupTable] = {}
    for name, columns in needed.items():
        if name not in declared:
            raise undeclared_lookup(name, declared, f"macro {{{name}.{sorted(columns)[0]}}}")
        spec = declared[name]
        if spec.file is not None:
            tables[name] = LookupTable.from_file(spec.file, columns=sorted(columns))
            continue
        assert spec.stream is not None
        stream_specs: Mapping[str, SourceSpec] = {
            **default_sources(),
            **(flow.sources if flow else {}),
        }
        chosen = stream_specs[spec.stream]
        stream = resolve(flow.with_templates(chosen) if flow else chosen)
        with Reader(connection) as reader:
            records = ({c: r.get(c) for c in columns} for r in reader.records(stream))
            tables[name] = LookupTable.from_records(name, records)
    return tables
