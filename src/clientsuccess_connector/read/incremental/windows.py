"""Keyset windows: read one incremental stream over several threads without skipping records.

A stream sorted on its incremental field is cut into time windows at the timestamps found at
evenly spaced positions (one probe request each). Each window is read by keyset paging from
its lower bound and stops at the next window's start; the last window has no upper bound.
Because windows are bounded by timestamps, not positions, a record changed during the read
moves into the last window (or the next run) instead of shifting pages under a reader.

`LowWater` turns the pages committed so far into a cursor that is safe to store: every record
before it has been committed, whatever order the windows progressed in.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.read.concurrency import interleave
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.incremental.precision import safe_after
from clientsuccess_connector.read.incremental.probe import record_at
from clientsuccess_connector.read.pagination import Page
from clientsuccess_connector.read.pagination_config import page_size_of
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.read.run import ReadRun
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp

Record = dict[str, Any]
MIN_PAGES_PER_WINDOW = 5


@dataclass(frozen=True, slots=True)
class Window:
    """One slice of the stream: records after `after`, before `upper` (None: no end)."""

    index: int
    after: datetime | None
    upper: datetime | None


def can_window(source: Source) -> bool:
    """Windows need a plain search: no path parameters and no macros in the query."""
    return (
        source.search
        and not source.path_values
        and not any(isinstance(v, str) and "{" in v for v in source.query.values())
    )


def plan_windows(
    reader: Reader,
    source: Source,
    query: Mapping[str, Any],
    field: str,
    max_windows: int,
    run: ReadRun,
) -> list[Window]:
    """Cut the stream into at most `max_windows` windows of similar size (one when small).

    Each window starts far enough back for the unit the server's `modifiedAfter` is known (or
    assumed) to compare in (`run.facts`); the probe requests count in `run.stats`."""
    search = envelope()
    unit = run.facts.precision.safe_unit
    after = parse_timestamp(query.get(search.modified_after_param))
    single = [Window(0, after, None)]
    page_size = page_size_of(source.pagination) or 100
    if max_windows < 2 or not can_window(source):
        return single

    def probe(position: int) -> Page:
        """The record at `position` of the sorted stream (a page of one record)."""
        return record_at(reader, source, query, run, position)

    total = search.total_elements(probe(0).document)
    if total is None:
        return single
    count = min(max_windows, total // (MIN_PAGES_PER_WINDOW * page_size))
    if count < 2:
        return single
    positions = [i * total // count for i in range(1, count)]
    with ThreadPoolExecutor(len(positions)) as pool:
        pages = list(pool.map(probe, positions))
    bounds: list[datetime] = []
    for page in pages:
        moment = parse_timestamp(page.records[0].get(field)) if page.records else None
        if moment is None:
            return single  # the API did not answer as expected: read it in one window
        if not bounds or moment > bounds[-1]:
            bounds.append(moment)
    return _windows_between(bounds, after, unit)


def _windows_between(bounds: list[datetime], after: datetime | None, unit: str) -> list[Window]:
    """The windows cut at ascending `bounds`, the first starting after `after`.

    Window 0 starts where the run starts; each later one far enough before its boundary that
    the server's filter keeps every record at or after it, whatever its precision (a server
    comparing to the second would drop the rest of the boundary's second). Records before the
    boundary are read twice, by both windows; the merge on the key keeps one. A window that
    would start no later than the one before it (a coarse unit: the day before each boundary)
    would read all of it again, so the two are read as one."""
    afters: list[datetime | None] = [after]
    ends: list[datetime | None] = []
    for bound in bounds:
        start = safe_after(bound, unit)
        if afters[-1] is not None and start <= afters[-1]:
            continue
        ends.append(bound)
        afters.append(start)
    ends.append(None)
    return [Window(i, start, end) for i, (start, end) in enumerate(zip(afters, ends, strict=True))]


def read_windows(
    reader: Reader,
    source: Source,
    query: Mapping[str, Any],
    windows: list[Window],
    field: str,
    run: ReadRun,
) -> Iterator[tuple[int, list[Record] | None]]:
    """(window index, page) as pages arrive; (index, None) when a window is done. The run's
    page callback sees every page fetched, with its document."""

    def produce(window: Window) -> Iterator[tuple[int, list[Record] | None]]:
        overrides = dict(query)
        if window.after is not None:
            overrides[envelope().modified_after_param] = format_timestamp(window.after)
        pages = reader.pages(source, run, query_overrides=overrides)
        try:
            for page in pages:
                if window.upper is None:
                    yield window.index, page
                    continue
                upper_text = format_timestamp(window.upper)
                keep = [r for r in page if _before(r.get(field), window.upper, upper_text)]
                yield window.index, keep
                if len(keep) < len(page):
                    break
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()  # stop the window's reader when it reached the next window
        yield window.index, None

    if len(windows) == 1:
        return produce(windows[0])
    return interleave(
        (functools.partial(produce, w) for w in windows),
        workers=len(windows),
        buffer=len(windows) * 2,
    )


def _before(value: Any, upper: datetime, upper_text: str) -> bool:
    """True when `value` is earlier than `upper` (or not a timestamp at all)."""
    if isinstance(value, str) and len(value) == len(upper_text) and value[-1:] == "Z":
        return value < upper_text  # same fixed format: text order is time order
    moment = parse_timestamp(value)
    return moment is None or moment < upper


def _newest_text(records: list[Record], field: str) -> str | None:
    """The greatest text value of `field` in `records` (None when there is none): one C-level
    pass when every record holds text there, record by record otherwise."""
    try:
        newest = max(map(itemgetter(field), records), default=None)
    except (KeyError, TypeError):  # a record without it, or text mixed with other values
        newest = None
    if isinstance(newest, str):
        return newest
    texts = [v for r in records if isinstance(v := r.get(field), str)]
    return max(texts) if texts else None


class LowWater:
    """The newest instant before which every record of the stream has been committed."""

    def __init__(
        self,
        windows: list[Window],
        field: str,
        run_started: datetime,
        floor: datetime | None = None,
    ) -> None:
        self.windows = windows
        self.field = field
        self.run_started = run_started
        self.floor = floor  # the cursor this run started from
        self._newest: list[datetime | None] = [None] * len(windows)
        self._finished = [False] * len(windows)

    def observe(self, index: int, records: list[Record] | None) -> None:
        """Account for a committed page of window `index` (None: the window is complete)."""
        if records is None:
            self._finished[index] = True
            return
        # The text maximum is one of the page's own instants, so never later than the true
        # newest one (equal for ClientSuccess's fixed `...sssZ` form): safe for a cursor.
        newest_text = _newest_text(records, self.field)
        moment = parse_timestamp(newest_text) if newest_text is not None else None
        newest = self._newest[index]
        if moment is not None and (newest is None or moment > newest):
            self._newest[index] = moment

    def cursor(self) -> datetime | None:
        """Where the next run may start (before the overlap), or None for nothing yet."""
        for window, newest, finished in zip(
            self.windows, self._newest, self._finished, strict=True
        ):
            if not finished:
                mark = newest or (self.floor if window.index == 0 else window.after)
                break
        else:
            seen = [n for n in self._newest if n is not None]
            mark = max(seen) if seen else None
        return None if mark is None else min(mark, self.run_started)

    def state(self) -> dict[str, Any] | None:
        """The state to commit with the rows committed so far."""
        mark = self.cursor()
        if mark is None:
            return None
        return {"cursor_field": self.field, "cursor": format_timestamp(mark)}
