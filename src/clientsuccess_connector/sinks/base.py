"""The Sink contract every destination implements (its Column comes from `columns.py`)."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from clientsuccess_connector.errors import ConfigError

# Re-exported: destinations import the columns together with the Sink contract.
from clientsuccess_connector.sinks.columns import DELETED_AT as DELETED_AT  # noqa: PLC0414
from clientsuccess_connector.sinks.columns import SYNCED_AT as SYNCED_AT  # noqa: PLC0414
from clientsuccess_connector.sinks.columns import Column as Column  # noqa: PLC0414
from clientsuccess_connector.sinks.columns import ColumnType as ColumnType  # noqa: PLC0414
from clientsuccess_connector.sinks.naming import API, apply_naming

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from clientsuccess_connector.sinks.stream_schema import StreamSchema

DeleteMode = Literal["soft", "hard"]
"""How a reconciliation records a deletion: stamp `_cs_deleted_at`, or remove the row."""
REJECTS = "_cs_rejects"
"""Table (or `_cs_rejects.jsonl` file) holding the records a destination could not store."""
KEY_BATCH = 10_000
"""Rows per batch of `Sink.key_rows`."""


class KeyRow(NamedTuple):
    """One row as `verify` compares it: its primary key, incremental stamp, and whether it is
    marked deleted (`_cs_deleted_at` set)."""

    key: tuple[Any, ...]
    stamp: Any
    deleted: bool


@dataclass
class ValueReport:
    """What a sink did so that no value stops a stream: values whose NUL characters or lone
    surrogates it replaced with U+FFFD, and records it set aside in `_cs_rejects`."""

    repaired: int = 0
    rejected: int = 0


class Sink(ABC):
    """A destination that lands records of named streams, merged on a primary key.

    Implementations are used from one thread at a time; each `write_batch` is one atomic
    transaction (rows, schema changes and stream state together, or nothing).
    """

    url: str
    """The destination URL with any password masked."""
    naming: str = API
    """How new tables and columns are named: `api` (as the API spells them) or `snake_case`."""

    def table_name(self, stream: str) -> str:
        """The name a sync gives the table of `stream` (`recentNotes` -> `recent_notes` with
        snake_case naming)."""
        return apply_naming(self.naming, stream)

    @abstractmethod
    def write_batch(
        self,
        stream: str,
        records: Sequence[Mapping[str, Any]],
        primary_key: Sequence[str],
        state: Mapping[str, Any] | None = None,
    ) -> int:
        """Create/evolve the stream's table, merge `records` on `primary_key` (later record
        wins, also within the batch), stamp `_cs_synced_at` and store `state`, atomically.

        Returns the number of rows written (after de-duplicating the batch).
        """

    def keep_newest_by(self, stream: str, field: str | None, since: datetime | None = None) -> None:
        """Merge `stream`'s versions of a record by `field`, its incremental stamp: among the
        versions written since `since` (when the run began writing the stream; None: ever),
        an older one does not replace a newer (the row still counts as written by the read,
        so no reconcile takes it for deleted); a version of an earlier run is always replaced.
        `field` None, the default: the later version wins (sinks/versions.py)."""
        self.__dict__.setdefault("_newest_by", {})[stream] = (field, since)

    def newest_by(self, stream: str) -> str | None:
        """The field set by `keep_newest_by` for `stream`, or None."""
        return self._version_order(stream)[0]

    def newest_since(self, stream: str) -> datetime | None:
        """Since when `stream`'s versions are ordered by their stamp (None: ever)."""
        return self._version_order(stream)[1]

    def _version_order(self, stream: str) -> tuple[str | None, datetime | None]:
        found: tuple[str | None, datetime | None] = self.__dict__.get("_newest_by", {}).get(
            stream, (None, None)
        )
        return found

    def value_report(self, stream: str) -> ValueReport:
        """Values repaired and records rejected in `stream` since this sink was opened."""
        reports: dict[str, ValueReport] = self.__dict__.setdefault("_value_reports", {})
        return reports.setdefault(stream, ValueReport())

    def _tally(self, stream: str, repaired: int, rejected: int) -> None:
        """Count (and log) what a committed batch repaired and rejected."""
        if not repaired and not rejected:
            return
        report = self.value_report(stream)
        report.repaired += repaired
        report.rejected += rejected
        if repaired:
            log.warning("%s: %d values had NUL or lone surrogates, stored with U+FFFD",
                        stream, repaired)  # fmt: skip
        if rejected:
            log.warning("%s: %d records could not be stored; see %s", stream, rejected, REJECTS)

    @abstractmethod
    def reconcile(self, stream: str, written_since: datetime, mode: DeleteMode) -> int:
        """Record deletions after a complete full read that began at `written_since`: every
        row it did not write (`_cs_synced_at` older than that) is stamped `_cs_deleted_at`
        (`soft`; rows already stamped keep their time) or removed (`hard`), atomically.

        Returns the rows newly stamped or removed; 0 for a stream without a table.
        """

    @abstractmethod
    def stale_rows(self, stream: str, written_since: datetime) -> tuple[int, int]:
        """(rows not marked deleted that were last written before `written_since`, rows not
        marked deleted): what a reconciliation would mark or remove, out of how many."""

    @abstractmethod
    def get_state(self, stream: str) -> dict[str, Any] | None:
        """The state last stored for `stream`, or None."""

    @abstractmethod
    def set_state(self, stream: str, state: Mapping[str, Any]) -> None:
        """Store `state` for `stream` on its own (atomically)."""

    def missing(self, stream: str) -> str | None:
        """Why the data this destination stored for `stream` is gone (its table dropped, its
        file moved away), or None: present, or never written."""
        if self._load_schema(stream) is not None and stream not in self.streams():
            return f"its table {stream!r} is gone from {self.url}"
        return None

    @abstractmethod
    def forget(self, stream: str) -> None:
        """Drop what this destination remembers of `stream` (its stored schema and state) so
        that the next batch creates its table anew; rows still there are left alone."""

    @abstractmethod
    def schema(self, stream: str) -> list[Column]:
        """Columns of `stream` in order; ConfigError naming the stream if it is unknown."""

    @abstractmethod
    def streams(self) -> list[str]:
        """Names of the streams that have a table here, sorted."""

    @abstractmethod
    def row_count(self, stream: str) -> int:
        """Number of rows stored for `stream`."""

    @abstractmethod
    def read_rows(self, stream: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Every row of `stream` (the first `limit` by primary key) as Python values: json
        columns decoded, timestamp columns as timezone-aware UTC datetimes. Meant for tests,
        demos and samples: the rows are loaded in memory."""

    def key_rows(
        self, stream: str, key: Sequence[str], stamp: str | None = None
    ) -> Iterator[list[KeyRow]]:
        """Batches of every row of `stream` as (key, stamp, deleted), read-only and in bounded
        memory. `key` and `stamp` are record keys (as the API names them); a stamp without a
        column reads as None. ConfigError when the stream has no table or no key column."""
        schema = self._require(stream)
        missing = [k for k in key if k not in schema.keys]
        if missing or not key:
            raise ConfigError(
                f"stream {stream!r} in {self.url} has no column for key field(s) "
                f"{', '.join(missing) or '(none given)'}; was it synced with another primary key?"
            )
        columns = [schema.keys[k] for k in key]
        stamp_column = schema.keys.get(stamp) if stamp is not None else None
        if stamp_column is not None:
            columns.append(stamp_column)
        if schema.soft_deletes:
            columns.append(DELETED_AT)
        width = len(key)
        for rows in self._scan(stream, columns):
            yield [
                KeyRow(
                    tuple(row[:width]),
                    row[width] if stamp_column is not None else None,
                    schema.soft_deletes and row[-1] is not None,
                )
                for row in rows
            ]

    def _scan(self, stream: str, columns: Sequence[str]) -> Iterator[Sequence[Sequence[Any]]]:
        """Batches of `columns` of every row of `stream` (a sink streams them; this default
        loads the rows in memory)."""
        rows = self.read_rows(stream)
        for start in range(0, len(rows), KEY_BATCH):
            yield [[row.get(c) for c in columns] for row in rows[start : start + KEY_BATCH]]

    def record_keys(self, stream: str) -> dict[str, str]:
        """column -> the record key it holds, for `stream`'s data columns (`client_id` ->
        `clientId` with snake_case naming), so rows read back can be written again as records."""
        return {column: key for key, column in self._require(stream).keys.items()}

    @abstractmethod
    def read_rejects(self, stream: str) -> list[tuple[str, dict[str, Any]]]:
        """(reason, record) of each record of `stream` set aside in `_cs_rejects`, oldest first."""

    @abstractmethod
    def _load_schema(self, stream: str) -> StreamSchema | None:
        """The stored schema of `stream`, or None when it has no table yet."""

    def _require(self, stream: str) -> StreamSchema:
        """The schema of `stream`, or a ConfigError that lists the streams there are."""
        schema = self._load_schema(stream)
        if schema is None:
            known = ", ".join(self.streams()) or "none yet"
            raise ConfigError(
                f"stream {stream!r} is not in {self.url} (streams there: {known}); "
                "run a sync for it first or check the name"
            )
        return schema

    @abstractmethod
    def close(self) -> None:
        """Flush and release the destination. Safe to call twice."""

    def __enter__(self) -> Sink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"
