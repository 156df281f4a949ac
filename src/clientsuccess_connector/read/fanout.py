"""Chained calls: load the lookup tables that a run's sources reference through macros.

Lookups are loaded in the order `chain.plan_lookups` gives, so a lookup stream that uses
lookups of its own is read with them. A stream behind several lookups is read once and shared.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from clientsuccess_connector.connection import Connection
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.chain import LookupStep, plan_lookups
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.lookups import LookupTable
from clientsuccess_connector.read.reader import Reader

if TYPE_CHECKING:
    from clientsuccess_connector.config.flow import Flow

__all__ = ["load_lookups", "prepare_lookups"]

_log = logging.getLogger(__name__)


def prepare_lookups(
    flow: Flow | None, connection: Connection, sources: Iterable[Source]
) -> dict[str, LookupTable]:
    """Load every lookup the sources need: files are read, streams fetched, in dependency
    order (ConfigError for an undeclared lookup or a cycle, before any request)."""
    return load_lookups(plan_lookups(flow, sources), connection)


def load_lookups(steps: list[LookupStep], connection: Connection) -> dict[str, LookupTable]:
    """Load planned lookups in their order; a stream behind several lookups is read once."""
    tables: dict[str, LookupTable] = {}
    stream_rows: dict[str, list[dict[str, Any]]] = {}
    for step in steps:
        if step.stream is None:
            assert step.spec.file is not None
            tables[step.name] = LookupTable.from_file(step.spec.file, columns=step.columns)
            continue
        stream = step.stream.name
        if stream not in stream_rows:
            same = [s for s in steps if s.spec.stream == step.spec.stream]
            columns = sorted({column for s in same for column in s.columns})
            stream_rows[stream] = _read_stream(connection, step, columns, tables)
        tables[step.name] = LookupTable.from_records(step.name, stream_rows[stream])
    return tables


def _read_stream(
    connection: Connection,
    step: LookupStep,
    columns: list[str],
    tables: dict[str, LookupTable],
) -> list[dict[str, Any]]:
    """The referenced columns of every record of a lookup's stream, read with the lookups
    loaded so far (every lookup the stream uses comes earlier in the plan)."""
    assert step.stream is not None
    rows: list[dict[str, Any]] = []
    present: set[str] = set()  # the referenced columns some record has
    keys: set[str] = set()  # every column the records have, for the error
    with Reader(connection, lookups=tables) as reader:
        for record in reader.records(step.stream):
            rows.append({c: record.get(c) for c in columns})
            if len(present) < len(columns):
                present.update(c for c in columns if c in record)
                keys.update(record)
    missing = [c for c in columns if c not in present]
    if rows and missing:
        raise ConfigError(
            f"lookup {step.name!r} (stream {step.stream.name}) has no column "
            f"{', '.join(repr(m) for m in missing)}: none of its {len(rows):,} record(s) has it; "
            f"available columns: {', '.join(sorted(keys)) or '(none)'}"
        )
    _log.info("lookup %s: %d record(s) of stream %s", step.name, len(rows), step.stream.name)
    return rows
