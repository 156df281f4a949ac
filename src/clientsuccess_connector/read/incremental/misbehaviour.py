"""Why a read cannot prove itself complete: the server misbehaved, pages shifted, too few
records were read, or no count exists to check a read against. Each is a `DataError`; an
incremental read answers most of them by reading another way (read/incremental/stream.py)."""

from __future__ import annotations

from typing import Any

from clientsuccess_connector.errors import DataError


class ServerMisbehaviour(DataError):
    """The server's answers cannot prove a read complete (unordered pages, lost records)."""


class ShiftedPages(ServerMisbehaviour):
    """More records moved between two pages than they overlap by (heavy churn: reading
    again may well succeed)."""


class IncompleteRead(ServerMisbehaviour):
    """Fewer distinct records were read than the server says match. `rows` counts the records
    read with a key listed twice counted twice, and `repeated` holds those keys: a server that
    lists a record twice (a join on its side) counts rows, not records."""

    def __init__(
        self, message: str, rows: int = 0, repeated: frozenset[Any] = frozenset(),
        expected: int | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.rows, self.repeated, self.expected = rows, repeated, expected

    def rows_match_count(self) -> bool:
        """True when this pass read exactly the count as rows, some keys twice: what a server
        that counts rows and lists some records twice answers (one pass cannot tell it from
        records skipped while others were repeated)."""
        return bool(self.repeated) and self.expected is not None and self.rows == self.expected

    def listed_twice_alike(self, other: IncompleteRead) -> bool:
        """True when this pass and `other` both read exactly the count as rows, and the same
        keys twice: the server lists those records twice, no record was skipped."""
        return (
            self.rows_match_count()
            and other.rows_match_count()
            and (self.repeated, self.expected) == (other.repeated, other.expected)
        )


class Uncounted(ServerMisbehaviour):
    """The server gives no count, and the read has no other proof of being complete."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot prove the stream complete: {reason}")
