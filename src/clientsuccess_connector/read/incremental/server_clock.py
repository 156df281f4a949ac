"""The server's own clock, read from the `Date` header of its answers.

A cursor taken from this machine's clock misses every change the server stamps more than the
overlap behind it (a slow server clock, a stamp taken when a transaction starts). A read's
cursor is therefore the server's time when the read began: the earliest `Date` among the
answers of the read, floored to the second the header carries (never later than the truth).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


class ServerClock:
    """The earliest server time seen in the answers of one read (thread-safe)."""

    def __init__(self) -> None:
        self._earliest: datetime | None = None
        self._lock = threading.Lock()

    def observe(self, date_header: str | None) -> None:
        """Note one answer's `Date` header (ignored when missing or malformed)."""
        moment = parse_http_date(date_header)
        if moment is None:
            return
        with self._lock:
            if self._earliest is None or moment < self._earliest:
                self._earliest = moment

    @property
    def earliest(self) -> datetime | None:
        """The server's time at the first answer of the read, or None without any `Date`."""
        with self._lock:
            return self._earliest

    def skew(self, local: datetime) -> timedelta | None:
        """How far this machine's clock (`local`, taken when the read began) runs ahead of the
        server's (negative: behind), or None when the server gave no time."""
        earliest = self.earliest
        return None if earliest is None else local - earliest


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP `Date` header as an aware UTC datetime, or None."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)
