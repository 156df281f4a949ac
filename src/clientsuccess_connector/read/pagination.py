"""Paginators: how to ask for the next page, when to stop, and loop guards.

Each paginator is created fresh for one run of one request series. `first(request)` prepares the
first request; `next(request, page)` returns the next request or None when the data is done.
A paginator that learns the page count from the first page can hand back every remaining
request at once (`remaining`), so they can be fetched concurrently.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

import httpx

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.connection.urls import parse_http_url, without_userinfo
from clientsuccess_connector.errors import ConfigError, DataError, PaginationLoopError
from clientsuccess_connector.read.loop_guard import LoopGuard
from clientsuccess_connector.read.pagination_config import (
    AutoPagination,
    CursorPagination,
    EnvelopePagination,
    KeysetPagination,
    LinkHeaderPagination,
    NextUrlPagination,
    OffsetPagination,
    PageNumberPagination,
    PaginatorConfig,
)
from clientsuccess_connector.read.precision import (
    UNITS,
    LearnedPrecision,
    coarser,
    floor,
    safe_after,
)
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp

Config = TypeVar("Config", bound=PaginatorConfig)
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One HTTP request of a series, before credentials are added."""

    method: str
    url: str
    params: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def with_params(self, **params: Any) -> PageRequest:
        """A copy with these query parameters set."""
        return replace(self, params={**self.params, **params})


@dataclass(slots=True)
class Page:
    """One response: its parsed document and how many records the data path found."""

    response: httpx.Response
    document: Any
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        """How many records the data path found on this page."""
        return len(self.records)


class Paginator(Generic[Config]):
    """Base: no pagination, plus the loop guards every paginator shares."""

    def __init__(self, spec: Config) -> None:
        self.spec = spec
        self.pages = 0
        self._seen_tokens = LoopGuard()
        self._last_content: bytes | None = None

    def first(self, request: PageRequest) -> PageRequest:
        """The first request of the series."""
        return request

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        """The request after `page`, or None when the data is exhausted."""
        self._guard(page)
        self._stop(page, "pagination type none: one request")
        return None

    def remaining(self, request: PageRequest, page: Page) -> list[PageRequest] | None:
        """Every request after the first page when the count is known up front; else None."""
        return None

    def _stop(self, page: Page, reason: str) -> None:
        """End the series, saying why at debug level."""
        url = page.response.request.url.copy_with(query=None)
        _log.debug("page series of %s stopped after %d page(s): %s", url, self.pages, reason)

    def _guard(self, page: Page) -> None:
        self.pages += 1
        # Comparing bytes stops at the first difference: cheaper than hashing every page.
        content = page.response.content
        if page.record_count and content == self._last_content:
            raise PaginationLoopError(
                f"page {self.pages} from {page.response.request.url.copy_with(query=None)} is "
                "identical to the page before: the API ignores the paging parameters; set "
                "`pagination: none` or the right pagination options"
            )
        self._last_content = content

    def _guard_token(self, token: str, what: str) -> None:
        if self._seen_tokens.seen_before(token):
            raise PaginationLoopError(
                f"the API returned the same {what} twice ({token[:80]!r}); stopping instead "
                "of looping forever"
            )


Numbered = TypeVar("Numbered", EnvelopePagination, PageNumberPagination, KeysetPagination)


class NumberedPaginator(Paginator[Numbered]):
    """A page number and a size. The data ends on evidence: a page that says it is the last,
    the page count the first page gave, or an empty page. A page shorter than the size asked
    is not the end by itself: a server may cap its pages (a size it says it used, smaller
    than asked, is the size later pages ask for)."""

    _capped: int | None = None  # a smaller page size the server said it used

    def _size(self) -> int:
        asked = self.spec.page_size or 100
        return min(asked, self._capped) if self._capped is not None else asked

    def _echoed_size(self, request: PageRequest, page: Page) -> int | None:
        """The page size the answer says it used (the envelope's `size`), if it says; a size
        smaller than the request asked becomes the most any later page asks for."""
        doc = page.document
        size = doc.get(envelope().size_key) if isinstance(doc, dict) else None
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            return None
        asked = request.params.get(self.spec.size_param)
        if asked is not None and size < int(asked) and size < self._size():
            _log.debug("the server serves at most %d records a page", size)
            self._capped = size
        return size

    def _end_of_data(self, request: PageRequest, page: Page) -> str | None:
        """Why `page` is the last of its series, or None. A short page is no evidence when
        the answer can say more (a `last` flag or a page count): a server may cap its pages
        and echo the size asked all the same. Only an answer that says nothing of either (a
        plain API, not a search envelope) ends on a page shorter than asked."""
        self._echoed_size(request, page)
        doc = page.document
        if envelope().is_last(doc):
            return "the page says it is the last"
        if page.record_count == 0:
            return "an empty page"
        names = envelope()
        says = isinstance(doc, dict) and (names.last_key in doc or names.total_pages_key in doc)
        asked = int(request.params.get(self.spec.size_param, self._size()))
        if not says and page.record_count < asked:
            return f"{page.record_count} record(s), fewer than asked, and no `last` to say more"
        return None

    def first(self, request: PageRequest) -> PageRequest:
        first = self.spec.start_page + getattr(self.spec, "from_page", 0)
        return request.with_params(
            **{self.spec.page_param: first, self.spec.size_param: self._size()}
        )

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        self._guard(page)
        doc = page.document
        current = int(request.params.get(self.spec.page_param, self.spec.start_page))
        end = self._end_of_data(request, page)
        if end is not None:
            self._stop(page, end)
            return None
        total_pages = envelope().total_pages(doc)
        if total_pages is not None and current + 1 - self.spec.start_page >= total_pages:
            self._stop(page, f"all {total_pages} page(s) the first page announced")
            return None
        self._guard_token(str(current + 1), "page number")
        return request.with_params(
            **{self.spec.page_param: current + 1, self.spec.size_param: self._size()}
        )

    def remaining(self, request: PageRequest, page: Page) -> list[PageRequest] | None:
        doc = page.document
        total = envelope().total_pages(doc)
        if total is None or not getattr(self.spec, "concurrent", True):
            return None
        if self._end_of_data(request, page) is not None:
            self._stop(page, "the first page is the only one")
            return []
        if self._capped is not None:  # later pages are asked at the server's size: in order
            return None
        first = int(request.params.get(self.spec.page_param, self.spec.start_page))
        if self.spec.max_pages is not None:
            total = min(total, self.spec.max_pages)
        return [
            request.with_params(**{self.spec.page_param: number})
            for number in range(first + 1, self.spec.start_page + total)
        ]


class EnvelopePaginator(NumberedPaginator[EnvelopePagination]):
    """ClientSuccess search envelope: zero-based `page` + `size`."""


class PageNumberPaginator(NumberedPaginator[PageNumberPagination]):
    """Generic page numbers: like the envelope, with configurable names and base page."""


class OffsetPaginator(Paginator[OffsetPagination]):
    """`offset` + `limit`; stop on a short or empty page, or when a total is reached."""

    def _limit(self) -> int:
        return self.spec.page_size or 100

    def first(self, request: PageRequest) -> PageRequest:
        return request.with_params(
            **{self.spec.offset_param: 0, self.spec.limit_param: self._limit()}
        )

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        self._guard(page)
        if page.record_count < self._limit():
            self._stop(page, f"{page.record_count} record(s), fewer than {self._limit()}")
            return None
        offset = int(request.params.get(self.spec.offset_param, 0)) + page.record_count
        self._guard_token(str(offset), "offset")
        return request.with_params(**{self.spec.offset_param: offset})


class CursorPaginator(Paginator[CursorPagination]):
    """A cursor found in the body (`cursor_path`) goes back in `cursor_param`."""

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        self._guard(page)
        token = _lookup(page.document, self.spec.cursor_path)
        if token in (None, "", False):
            self._stop(page, f"no cursor at {self.spec.cursor_path}")
            return None
        if page.record_count == 0:
            self._stop(page, "an empty page")
            return None
        self._guard_token(str(token), "cursor")
        return request.with_params(**{self.spec.cursor_param: token})


NextUrlConfig = TypeVar("NextUrlConfig", NextUrlPagination, LinkHeaderPagination)


class _FollowingPaginator(Paginator[NextUrlConfig]):
    """Follows a next-page URL, guarding against loops."""

    def _follow(self, request: PageRequest, page: Page, url: str) -> PageRequest:
        try:
            absolute = str(page.response.request.url.join(url))
            parse_http_url(absolute)
        except (httpx.InvalidURL, ConfigError):
            shown = without_userinfo(url)[:200]
            raise DataError(
                f"the next-page link {shown!r} in the answer from "
                f"{without_userinfo(str(page.response.request.url))} is not a valid http(s) URL"
            ) from None
        self._guard_token(absolute, "next-page URL")
        return replace(request, url=absolute, params={})


class NextUrlPaginator(_FollowingPaginator[NextUrlPagination]):
    """The body says where the next page is (`next_url_path`, e.g. `next` or `links.next`)."""

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        self._guard(page)
        url = _lookup(page.document, self.spec.next_url_path)
        if not isinstance(url, str) or not url:
            self._stop(page, f"no next URL at {self.spec.next_url_path}")
            return None
        return self._follow(request, page, url)


class LinkHeaderPaginator(_FollowingPaginator[LinkHeaderPagination]):
    """RFC 8288 `Link: <url>; rel="next"` headers."""

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        self._guard(page)
        url = next_link(page.response.headers.get("Link", ""))
        if url is None:
            self._stop(page, 'no Link rel="next" header')
            return None
        return self._follow(request, page, url)


class ServerMisbehaviour(DataError):
    """The server's answers cannot prove a read complete (unordered pages, lost records)."""


class ShiftedPages(ServerMisbehaviour):
    """More records moved between two pages than they overlap by (heavy churn: reading
    again may well succeed)."""


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
    moves on by page number instead (counted in the spec's `trail`: only a count proves those).

    Every page is checked: its records must be ascending, and after a step the newest records
    must come back first. When they do not, either they were deleted or changed meanwhile, or
    the server compares more coarsely than assumed. The same step is asked again a unit coarser
    (a *widening*): only when that answer holds a record the finer step should have returned is
    the unit coarsened (`LearnedPrecision`); otherwise the read goes on from the finer step's
    page. A server that does not give back even the records of the page before, or an
    unordered page, ends the read with `ServerMisbehaviour`; pages asked by number overlap and
    must share a record (`ShiftedPages` when they do not).
    """

    def __init__(self, spec: KeysetPagination) -> None:
        super().__init__(spec)
        self.learned = spec.precision or LearnedPrecision()
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
        if self.spec.trail is not None:
            self.spec.trail.numbered()
        self._overlap = page.records[-overlap:] if overlap else None
        return request.with_params(**{self.spec.page_param: number, self.spec.size_param: size})

    def _check_overlap(self, page: Page) -> None:
        """A page asked by number must hold one of the records that ended the one before:
        the records after it follow on from what was read (a record deleted or changed
        meanwhile only moves later ones back, into the overlap)."""
        overlap, self._overlap = self._overlap, None
        if overlap is None:
            return
        names = self.spec.identity
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
            raise ServerMisbehaviour(
                f"the server answered a search sorted ascending on {field} out of order; "
                "it does not honour sortBy"
            )
        return moments


class AutoPaginator(Paginator[AutoPagination]):
    """Detects the scheme from the first response, then behaves as that paginator."""

    def __init__(self, spec: AutoPagination) -> None:
        super().__init__(spec)
        self._chosen: Paginator[Any] | None = None

    def _resolve(self, request: PageRequest, page: Page) -> tuple[Paginator[Any], PageRequest]:
        if self._chosen is None:
            self._chosen = detect(page, self.spec)
        chosen = self._chosen
        if isinstance(chosen, EnvelopePaginator) and chosen.spec.page_param not in request.params:
            # The first request went out without paging parameters: it was page 0 at the
            # server's default size, so continue at that size (a different size would skip or
            # repeat records); `page_size` applies when the pagination type is explicit.
            doc = page.document
            size = doc.get(envelope().size_key)
            if isinstance(size, int) and size > 0:
                chosen.spec = replace(chosen.spec, page_size=size)
            current = doc.get(envelope().page_key, chosen.spec.start_page)
            request = request.with_params(
                **{chosen.spec.page_param: current, chosen.spec.size_param: chosen._size()}
            )
        return chosen, request

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        chosen, request = self._resolve(request, page)
        return chosen.next(request, page)

    def remaining(self, request: PageRequest, page: Page) -> list[PageRequest] | None:
        chosen, request = self._resolve(request, page)
        return chosen.remaining(request, page)


def detect(page: Page, spec: AutoPagination) -> Paginator[Any]:
    """Pick a paginator from what the first response looks like."""
    doc = page.document
    cap = spec.max_pages
    if isinstance(doc, dict) and doc.keys() >= envelope().answer_keys:
        return EnvelopePaginator(EnvelopePagination(max_pages=cap, page_size=spec.page_size))
    if next_link(page.response.headers.get("Link", "")):
        return LinkHeaderPaginator(LinkHeaderPagination(max_pages=cap))
    if isinstance(doc, dict):
        for key in ("next", "nextPage", "next_page_url"):
            if isinstance(doc.get(key), str) and doc[key].startswith(("http", "/")):
                return NextUrlPaginator(NextUrlPagination(max_pages=cap, next_url_path=key))
    return Paginator(PaginatorConfig(max_pages=cap))


# The registry: the paginator of each pagination type (see pagination_config.CONFIGS).
PAGINATORS: dict[type[PaginatorConfig], type[Paginator[Any]]] = {
    AutoPagination: AutoPaginator,
    EnvelopePagination: EnvelopePaginator,
    PageNumberPagination: PageNumberPaginator,
    OffsetPagination: OffsetPaginator,
    CursorPagination: CursorPaginator,
    NextUrlPagination: NextUrlPaginator,
    LinkHeaderPagination: LinkHeaderPaginator,
    KeysetPagination: KeysetPaginator,
    PaginatorConfig: Paginator,
}


def make_paginator(config: PaginatorConfig) -> Paginator[Any]:
    """A fresh paginator for one request series."""
    return PAGINATORS[type(config)](config)


_LINK = re.compile(r"<([^>]*)>\s*;([^,]*)")


def next_link(header: str) -> str | None:
    """The `rel="next"` target of a Link header, if any."""
    for target, attributes in _LINK.findall(header):
        if re.search(r'rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?', attributes):
            return str(target)
    return None


def _lookup(document: Any, dotted: str) -> Any:
    """A value at a dotted path (`links.next`, also `$.links.next`) in a JSON document."""
    node = document
    for part in dotted.removeprefix("$.").split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node
