"""API timestamps (`YYYY-MM-DDTHH:MM:SS.sssZ`, UTC) and a strictly increasing write clock."""

from __future__ import annotations

import calendar
import re
import threading
import time
from datetime import UTC, datetime
from email.utils import formatdate

_TS = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


def fmt_ms(ms: int) -> str:
    """Epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ`."""
    sec, milli = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + f".{milli:03d}Z"


_LAST_DATE: tuple[int, bytes] = (-1, b"")


def http_date(ms: int) -> bytes:
    """Epoch milliseconds as an HTTP `Date` header value (`Mon, 07 Dec 2026 04:55:00 GMT`)."""
    global _LAST_DATE
    sec = ms // 1000
    if _LAST_DATE[0] != sec:  # one formatting per second, as uvicorn does for its own
        _LAST_DATE = (sec, formatdate(sec, usegmt=True).encode())
    return _LAST_DATE[1]


def fmt_date(ms: int) -> str:
    """Epoch milliseconds as `YYYY-MM-DD`."""
    return time.strftime("%Y-%m-%d", time.gmtime(ms // 1000))


def parse_micros(text: str) -> int | None:
    """A date or ISO-8601 timestamp (0-6 fractional digits, Z or offset) as epoch microseconds."""
    m = _TS.match(text.strip())
    if not m:
        return None
    year, month, day, hh, mm, ss, frac, tz = m.groups()
    try:
        when = datetime(
            int(year), int(month), int(day), int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=UTC
        )
    except ValueError:
        return None
    secs = calendar.timegm(when.utctimetuple())
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        secs -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    micros = int((frac or "0").ljust(6, "0"))
    return secs * 1_000_000 + micros


def micros_key(micros: int) -> str:
    """Epoch microseconds as `YYYY-MM-DDTHH:MM:SS.ffffff`: compares as text with `record_key`."""
    sec, frac = divmod(micros, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + f".{frac:06d}"


def record_key(value: str) -> str:
    """A stored `...sssZ` timestamp in the same comparable form as `micros_key`."""
    return value[:23] + "000"


def normalize_timestamp(text: str) -> str | None:
    """Any accepted timestamp form rewritten as the API's `YYYY-MM-DDTHH:MM:SS.sssZ`."""
    micros = parse_micros(text)
    if micros is None:
        return None
    return fmt_ms(micros // 1000)


def is_date(text: str) -> bool:
    """True for a valid `YYYY-MM-DD` date."""
    return len(text) == 10 and parse_micros(text) is not None


class Clock:
    """Write times: never before `floor_ms`, strictly increasing, close to the wall clock
    moved by `offset_ms` (a server clock that runs ahead, or behind when negative)."""

    def __init__(self, floor_ms: int = 0) -> None:
        self._last = self._floor = floor_ms
        self._lock = threading.Lock()
        self.offset_ms = 0

    def raise_floor(self, floor_ms: int) -> None:
        """Make every later tick later than `floor_ms`."""
        with self._lock:
            self._floor = max(self._floor, floor_ms)
            self._last = max(self._last, floor_ms)

    def set_offset(self, offset_ms: int) -> None:
        """Run `offset_ms` off the wall clock from now on; the next ticks follow it at once."""
        with self._lock:
            if offset_ms != self.offset_ms:
                self.offset_ms = offset_ms
                self._last = self._floor

    def now_ms(self) -> int:
        """The server's time now (wall clock plus offset), in epoch milliseconds."""
        return time.time_ns() // 1_000_000 + self.offset_ms

    def tick_ms(self) -> int:
        """The next write time in epoch milliseconds."""
        with self._lock:
            self._last = max(self.now_ms(), self._last + 1)
            return self._last

    def tick(self) -> str:
        """The next write time, formatted."""
        return fmt_ms(self.tick_ms())


DAY_MS_DATE = 86_400_000


def date_to_ms(value: object) -> int | None:
    """A `YYYY-MM-DD` string as epoch milliseconds, else None."""
    if not isinstance(value, str) or not is_date(value):
        return None
    micros = parse_micros(value)
    return None if micros is None else micros // 1000
