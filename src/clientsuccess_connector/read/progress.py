"""How far a read has got: records (or fan-out requests) done of the total the API announced.

The reader tells a `PageObserver` what it learns as it reads: the total a search's first page
announces (`totalElements`), or for a fan-out the number of requests it will send (one per
lookup value), each page's record count and each finished fan-out request. A
`ProgressTracker` (one per stream) turns that into `ReadProgress` snapshots for a listener,
once per page; the library never prints them (`describe_progress` words one). The CLI draws
them as a bar on a terminal and as periodic log lines otherwise; the studio shows them per
stream while a sync runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

Unit = Literal["records", "requests"]


@dataclass(frozen=True, slots=True)
class ReadProgress:
    """One stream's progress: `done` of `total` (None: not announced) in `unit`."""

    stream: str
    unit: Unit
    done: int
    total: int | None
    records: int  # records read so far (also for a fan-out, whose unit is requests)
    committed: int  # records committed to the destination so far
    elapsed: float  # seconds since the stream started
    finished: bool = False

    @property
    def fraction(self) -> float | None:
        """Share done, 0.0 to 1.0, or None without a total."""
        if self.total is None:
            return None
        return 1.0 if self.total <= 0 else min(1.0, self.done / self.total)

    @property
    def rate(self) -> float:
        """`unit` per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """Estimated time left at the rate so far, or None when it cannot be told."""
        if self.finished:
            return 0.0
        if self.total is None or self.rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)


def clock_text(seconds: float) -> str:
    """`H:MM:SS`."""
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def describe_progress(p: ReadProgress) -> str:
    """`1,200 of 12,000 records (10%), 400 records/s, 0:00:27 left` (what is known of it)."""
    parts = [f"{p.done:,} of {p.total:,} {p.unit}" if p.total is not None
             else f"{p.done:,} {p.unit}"]  # fmt: skip
    if p.fraction is not None:
        parts[0] += f" ({p.fraction:.0%})"
    if p.unit == "requests":
        parts.append(f"{p.records:,} records")
    parts.append(f"{p.rate:,.0f} {p.unit}/s")
    left = p.seconds_left
    if left is not None and not p.finished:
        parts.append(f"{clock_text(left)} left")
    return ", ".join(parts)


ProgressListener = Callable[[ReadProgress], None]


class PageObserver(Protocol):
    """What the reader reports while it reads one source."""

    def announced(self, total: int, unit: Unit) -> None:
        """The read will yield `total` records, or send `total` fan-out requests."""

    def page(self, records: int) -> None:
        """A page of `records` records was read."""

    def request_done(self) -> None:
        """One fan-out request series (one lookup value) is complete."""


class PassObserver(PageObserver, Protocol):
    """A PageObserver told when a new pass over the stream begins (incremental reads)."""

    def begin_pass(self) -> None:
        """A new pass over the stream starts."""


class _RecordsOnly:
    """Passes on page counts only: one lookup value of a fan-out adds its records to the
    stream's, while the stream's total stays its requests (one per value)."""

    def __init__(self, tracker: ProgressTracker) -> None:
        self._tracker = tracker

    def begin_pass(self) -> None:
        """Not a pass of the stream."""

    def announced(self, total: int, unit: Unit) -> None:
        """One value's own total is not the stream's."""

    def page(self, records: int) -> None:
        self._tracker.page(records)

    def request_done(self) -> None:
        """The fan-out counts its values itself."""


class ProgressTracker:
    """A stream's PageObserver that keeps the counts and tells `listener` after each change.

    A stream may be read in several passes (an incremental catch-up, a re-read): each pass
    adds what it announces to the total, and the largest announcement of a pass counts (the
    keyset windows of one pass each announce the records after their own start).
    """

    def __init__(
        self,
        stream: str,
        listener: ProgressListener,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self._listener = listener
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._unit: Unit = "records"
        self._records = 0
        self._requests = 0
        self._committed = 0
        self._base = 0  # records done before this pass
        self._pass_total: int | None = None
        self._request_total: int | None = None
        self._complete = True

    def begin_pass(self) -> None:
        """A new pass over the stream starts: its announcement adds to the total."""
        with self._lock:
            if self._pass_total is not None:
                self._base = self._records
                self._pass_total = None

    def announced(self, total: int, unit: Unit) -> None:
        with self._lock:
            if unit == "requests":
                self._unit = "requests"
                self._request_total = (self._request_total or 0) + total
            elif self._pass_total is None or total > self._pass_total:
                self._pass_total = total
        self._tell()

    def page(self, records: int) -> None:
        with self._lock:
            self._records += records
        self._tell()

    def request_done(self) -> None:
        with self._lock:
            self._requests += 1
        self._tell()

    def records_only(self) -> PassObserver:
        """An observer for one lookup value of this fan-out stream: its pages count, its
        totals do not (see `announced(n, "requests")` for the stream's)."""
        return _RecordsOnly(self)

    def committed(self, records: int) -> None:
        """`records` more records are committed to the destination."""
        with self._lock:
            self._committed += records
        self._tell()

    def finish(self, *, complete: bool = True) -> None:
        """The stream is done: a last snapshot with `finished` set. A `complete` read's
        total becomes what it read (a cap or records deleted meanwhile make it fewer); a failed
        one keeps the total it was short of."""
        self._complete = complete
        self._tell(finished=True)

    def snapshot(self, *, finished: bool = False) -> ReadProgress:
        """The progress now."""
        with self._lock:
            if self._unit == "requests":
                done, total = self._requests, self._request_total
            else:
                done = self._records
                total = None if self._pass_total is None else self._base + self._pass_total
                if total is not None and done > total:  # records added while reading
                    total = done
            if finished and self._complete and total is not None and self._unit == "records":
                total = done
            return ReadProgress(
                self.stream, self._unit, done, total, self._records, self._committed,
                self._clock() - self._started, finished,
            )  # fmt: skip

    def _tell(self, *, finished: bool = False) -> None:
        self._listener(self.snapshot(finished=finished))
