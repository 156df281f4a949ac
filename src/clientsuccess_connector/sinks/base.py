"""The Sink contract every destination implements, and the Column it describes its schema with."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from clientsuccess_connector.errors import ConfigError

if TYPE_CHECKING:
    from clientsuccess_connector.sinks.stream_schema import StreamSchema

ColumnType = Literal["integer", "float", "boolean", "timestamp", "text", "json"]
SYNCED_AT = "_cs_synced_at"
"""Column every destination table carries: when the row was last written (UTC)."""


@dataclass(frozen=True)
class Column:
    """One column of a stream's table, as shown by the `schema` command."""

    name: str
    type: ColumnType
    nullable: bool = True


class Sink(ABC):
    """A destination that lands records of named streams, merged on a primary key.

    Implementations are used from one thread at a time; each `write_batch` is one atomic
    transaction (rows, schema changes and stream state together, or nothing).
    """

    url: str
    """The destination URL with any password masked."""

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

    @abstractmethod
    def get_state(self, stream: str) -> dict[str, Any] | None:
        """The state last stored for `stream`, or None."""

    @abstractmethod
    def set_state(self, stream: str, state: Mapping[str, Any]) -> None:
        """Store `state` for `stream` on its own (atomically)."""

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
    def read_rows(self, stream: str) -> list[dict[str, Any]]:
        """Every row of `stream` as Python values: json columns decoded, timestamp columns as
        timezone-aware UTC datetimes. Meant for tests and demos (loads all rows in memory)."""

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
