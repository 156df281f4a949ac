"""The precision of a server's `modifiedAfter`: the unit it compares timestamps in.

A server may compare `modifiedAfter` to the millisecond, the second or the day, strictly after
or at or after. A cursor is only safe when it reaches back far enough for the coarsest of
these: `safe_after(moment, unit)` lets every record at or after `moment` through a
strictly-after filter compared in `unit`. Sync learns the unit while it reads (a keyset step
whose records do not come back shows the server compares more coarsely) and keeps it in the
stream's state; until it knows, it assumes `day`.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

UNITS: dict[str, timedelta] = {
    "ms": timedelta(milliseconds=1),
    "second": timedelta(seconds=1),
    "day": timedelta(days=1),
}
ASSUMED = "day"  # what a cursor must allow for while the server's unit is not known


def floor(moment: datetime, unit: str) -> datetime:
    """`moment` truncated to a whole `unit` (UTC)."""
    moment = moment.astimezone(UTC)
    if unit == "day":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "second":
        return moment.replace(microsecond=0)
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


def safe_after(moment: datetime, unit: str) -> datetime:
    """A `modifiedAfter` that keeps every record at or after `moment` on a server comparing
    in `unit`, strictly after or at or after."""
    return floor(moment, unit) - UNITS[unit]


def coarser(unit: str) -> str | None:
    """The next coarser unit, or None after `day`."""
    names = list(UNITS)
    index = names.index(unit)
    return names[index + 1] if index + 1 < len(names) else None


class LearnedPrecision:
    """The unit a stream's keyset steps use, shared by its windows; coarsens on evidence.

    `verified` turns true once a step that a coarser server would have failed came back whole.
    """

    def __init__(self, unit: str = "ms", verified: bool = False) -> None:
        self.unit = unit
        self.verified = verified
        self.exhausted = False  # even `day` lost records: the filter cannot be trusted
        self._lock = threading.Lock()

    @property
    def safe_unit(self) -> str:
        """The unit a filter from a cursor must allow for: the learnt one once verified,
        else the coarsest a server is assumed to use."""
        return self.unit if self.verified else ASSUMED

    def coarsen(self, seen: str) -> None:
        """The server dropped records a step at unit `seen` should have kept."""
        with self._lock:
            if seen != self.unit:
                return  # another window already coarsened it
            nxt = coarser(self.unit)
            if nxt is None:
                self.exhausted = True
            else:
                self.unit, self.verified = nxt, False

    def confirm(self, unit: str, newest: datetime) -> None:
        """A step at `unit` from `newest` came back whole; it proves the unit when `newest` is
        not on a whole coarser unit (where a coarser server would have answered the same)."""
        bigger = coarser(unit)
        if unit == self.unit and (bigger is None or floor(newest, bigger) != newest):
            self.verified = True
