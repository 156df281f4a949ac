"""The keyset paginator: ascending on a timestamp, each page asks for records after the newest
seen, every page checked (order, records given back after a step, overlapping numbered pages).
It learns the server's modifiedAfter precision as it reads (`precision.py`)."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from clientsuccess_connector.read.incremental.misbehaviour import ServerMisbehaviour, ShiftedPages
from clientsuccess_connector.read.incremental.precision import UNITS, coarser, floor, safe_after
from clientsuccess_connector.read.pagination import NumberedPaginator, Page, PageRequest
from clientsuccess_connector.read.pagination_config import KeysetPagination
from clientsuccess_connector.read.run import ReadRun
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Step:
    """A keyset step from `newest` at `unit`, asked after the page of `before`."""

    unit: str
    newest: datetime
    before: PageRequest


@dataclass(frozen=True, slots=True)
class _Widening:
    """A step at `unit` whose records at `newest` did not come back, and the page it got
    (`request`, `page`), while the same step asked at a coarser `level` shows whether the
    server dropped them."""

    unit: str
    newest: datetime
    request: PageRequest
    page: Page
    level: str
    origin: PageRequest  # the request of the page stepped from


# The filters a widening tries, finest first: a unit of `UNITS`, then the filter of the page
# the step started from (which already returned records up to `newest`).
_ORIGIN = "origin"
_LEVELS = (*UNITS, _ORIGIN)


def _overlapping(end: int, size: int) -> tuple[int, int, int]:
    """(page number, page size, overlap): a page of at most `size` records that starts a few
    records (preferably three or more) before position `end`. A page starts at a multiple of
    its size, so the size is chosen to make one fall there: at least half of `size` when that
    can be had, smaller otherwise. (0 overlap, the plain next page, only when no size fits:
    never for pages of 12 records or more, rarely for smaller ones.)"""
    for fewest, least in ((3, size // 2), (1, 0)):
        for overlap in range(fewest, min(size, end)):
            for length in range(size, max(overlap, least), -1):
                if (end - overlap) % length == 0:
                    return (end - overlap) // length, length, overlap
    return end // size, size, end % size


class KeysetPaginator(NumberedPaginator[KeysetPagination]):
    """Ascending on a timestamp field, each page asks for records after the last one seen.

    Unlike page numbers, this cannot skip a record when earlier records change while the read
    pages through (a change moves a record to the end instead of shifting every page). Each
    step asks from `safe_after(newest, unit)`, one whole unit of the server's modifiedAfter
    precision before the newest instant of the page, so the records sharing it are read again
    (the merge on the primary key absorbs them); when that does not move the cursor, the read
    moves on by page number instead (counted in the run's `trail`: only a count proves those).

    Every page is checked: its records must be ascending, and after a step the newest records
    must come back first. When they do not, either they were deleted or changed meanwhile, or
    the server compares more coarsely than assumed. The same step is asked again a unit coarser
    (a *widening*): only when that answer holds a record the finer step should have returned is
    the unit coarsened (the run's `facts.precision`); otherwise the read goes on from the finer
    step's page. A server that does not give back even the records of the page before, or an
    unordered page, ends the read with `ServerMisbehaviour`; pages asked by number overlap and
    must share a record (`ShiftedPages` when they do not).
    """

    def __init__(self, spec: KeysetPagination, run: ReadRun | None = None) -> None:
        super().__init__(spec, run)
        self.learned = self.run.facts.precision
        self._step: _Step | None = None
        self._widening: _Widening | None = None
        self._overlap: list[dict[str, Any]] | None = None  # the records ending the page before

    def remaining(self, request: PageRequest, page: Page) -> list[PageRequest] | None:
        return None  # each request depends on the page before it

    def _guard(self, page: Page) -> None:
        # A step can legitimately answer the page before again (every record of it shares
        # one unit of the server's precision); the position tokens still stop any loop.
        self.pages += 1

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        self._guard(page)
        self._check_overlap(page)
        moments = self._moments(page)
        if self._widening is not None:
            return self._judge(request, page, moments)
        step, self._step = self._step, None
        if step is not None:
            if not moments or moments[0] > step.newest:
                return self._widen(step, request, page)
            asked = parse_timestamp(request.params.get(self.spec.keyset_param))
            if asked is not None and moments[0] == asked:
                self.run.facts.learn("modified_after_inclusive", True)  # kept at the instant
            if asked is not None and moments[0] < asked:
                # Records from before the modifiedAfter asked: the server compares at or after
                # in a coarser unit, so steps in this one only go back to its start each time.
                self.learned.coarsen(step.unit)
            else:
                self.learned.confirm(step.unit, step.newest)
        return self._advance(request, page, moments)

    def _advance(
        self, request: PageRequest, page: Page, moments: list[datetime]
    ) -> PageRequest | None:
        """The request after a page whose checks passed, or None at the end."""
        if self._ends(request, page):
            return None
        if not moments:  # no instant to step from: the next page of the same filter
            return self._next_number(request, page)
        newest = moments[-1]
        after = parse_timestamp(request.params.get(self.spec.keyset_param))
        unit = self.learned.unit
        candidate = safe_after(newest, unit)
        if after is None or candidate > after:
            self._step = _Step(unit, newest, request)
            return self._ask(request, candidate)
        return self._next_number(request, page)

    def _ends(self, request: PageRequest, page: Page) -> bool:
        """True when `page` is the last of its filter."""
        end = self._end_of_data(request, page)
        if end is not None:
            self._stop(page, end)
            return True
        return False

    def _widen(self, step: _Step, request: PageRequest, page: Page) -> PageRequest:
        """The records at `step.newest` did not come back: ask the step a unit coarser."""
        level = _LEVELS[_LEVELS.index(step.unit) + 1]
        self._widening = _Widening(step.unit, step.newest, request, page, level, step.before)
        return self._ask_widened(self._widening)

    def _ask_widened(self, w: _Widening) -> PageRequest:
        """Page 0 of the step from `w.newest` widened to `w.level` (no loop guard: a widening
        ends within `_LEVELS`, and the unit coarsens at most twice)."""
        if w.level == _ORIGIN:
            text = w.origin.params.get(self.spec.keyset_param)
        else:
            text = format_timestamp(safe_after(w.newest, w.level))
        params = {k: v for k, v in w.request.params.items() if k != self.spec.keyset_param}
        if text is not None:
            params[self.spec.keyset_param] = text
        params.update({self.spec.page_param: 0, self.spec.size_param: self._size()})
        return replace(w.request, params=params)

    def _judge(
        self, request: PageRequest, page: Page, moments: list[datetime]
    ) -> PageRequest | None:
        """A page of the widened step. A record the finer step should have kept proves the
        server coarser: one in `newest`'s unit, or one after `newest` but before the first
        record the finer step returned (it matched that step's filter and existed then, as a
        record changed meanwhile is stamped after everything already read). Records before
        `newest` but none it should have kept, up to past `newest` (or the last page), show
        they were deleted or changed meanwhile: the finer step was right. Nothing before
        `newest` at all: widen further."""
        w = self._widening
        assert w is not None
        start = floor(w.newest, w.unit)
        finer = self._moments(w.page)
        limit = finer[0] if finer else None
        if any(start <= m <= w.newest or (limit is not None and w.newest < m < limit)
               for m in moments):  # fmt: skip
            self._widening = None
            self.learned.coarsen(w.unit)
            if self.learned.exhausted:
                raise self._untrusted(w.newest)
            _log.debug("modifiedAfter is coarser than %s: now %s", w.unit, self.learned.unit)
            if w.level == coarser(w.unit):
                self.learned.confirm(w.level, w.newest)  # this page was that step, whole
            return self._advance(request, page, moments)
        walking = int(request.params.get(self.spec.page_param, 0)) > 0
        if walking or (moments and moments[0] <= w.newest):
            if (moments and moments[-1] > w.newest) or self._ends(request, page):
                self._widening = None
                _log.debug("records at %s were deleted or changed during the read",
                           format_timestamp(w.newest))  # fmt: skip
                return self._advance(w.request, w.page, self._moments(w.page))
            # not past `newest` yet: the next page (a position of its own for the loop guard)
            return self._next_number(request, page, f"wide:{format_timestamp(w.newest)}:")
        index = _LEVELS.index(w.level) + 1
        if index == len(_LEVELS):
            raise self._untrusted(w.newest)
        self._widening = replace(w, level=_LEVELS[index])
        return self._ask_widened(self._widening)

    def _untrusted(self, newest: datetime) -> ServerMisbehaviour:
        return ServerMisbehaviour(
            f"records at {format_timestamp(newest)} did not come back, nor any before them "
            f"that the page before had; the server's {self.spec.keyset_param} cannot be "
            "trusted"
        )

    def _next_number(self, request: PageRequest, page: Page, position: str = "") -> PageRequest:
        """The next page of the same filter (the cursor cannot move past the page's instant).

        It overlaps the page before by a few records: a record deleted or changed meanwhile
        shifts every later record one place back, so a page that merely followed on would skip
        one. The next page must hold one of those records again (`_check_overlap`)."""
        size = self._request_size(request)
        end = int(request.params.get(self.spec.page_param, 0)) * size + page.record_count
        number, size, overlap = _overlapping(end, self._size())
        after = request.params.get(self.spec.keyset_param)
        self._guard_token(f"{position}{after}#{number}x{size}", "keyset page")
        self.run.trail.numbered()
        self._overlap = page.records[-overlap:] if overlap else None
        return request.with_params(**{self.spec.page_param: number, self.spec.size_param: size})

    def _check_overlap(self, page: Page) -> None:
        """A page asked by number must hold one of the records that ended the one before:
        the records after it follow on from what was read (a record deleted or changed
        meanwhile only moves later ones back, into the overlap)."""
        overlap, self._overlap = self._overlap, None
        if overlap is None:
            return
        names = self.run.identity
        if names:
            wanted = {tuple(r.get(n) for n in names) for r in overlap}
            found = any(tuple(r.get(n) for n in names) in wanted for r in page.records)
        else:
            found = any(record in page.records for record in overlap)
        if not found:
            raise ShiftedPages(
                f"records shifted between two pages of one {self.spec.keyset_param} filter "
                "faster than the pages overlap; cannot prove none was skipped"
            )

    def _request_size(self, request: PageRequest) -> int:
        return int(request.params.get(self.spec.size_param, self._size()))

    def _ask(self, request: PageRequest, after: datetime) -> PageRequest:
        text = format_timestamp(after)
        self._guard_token(f"{text}#0", "keyset position")
        return request.with_params(
            **{
                self.spec.keyset_param: text,
                self.spec.page_param: 0,
                self.spec.size_param: self._size(),
            }
        )

    def _moments(self, page: Page) -> list[datetime]:
        """The page's instants, which must be ascending."""
        field = self.spec.keyset_field
        moments = [m for r in page.records if (m := parse_timestamp(r.get(field)))]
        if any(later < earlier for earlier, later in itertools.pairwise(moments)):
            self.run.facts.learn("sort_honoured", False)
            raise ServerMisbehaviour(
                f"the server answered a search sorted ascending on {field} out of order; "
                "it does not honour sortBy"
            )
        return moments
