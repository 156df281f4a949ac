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
from clientsuccess_connector.errors import ConfigError, DataError, PaginationLoopError
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
from clientsuccess_connector.read.precision import LearnedPrecision, safe_after
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp
from clientsuccess_connector.urls import parse_http_url, without_userinfo

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
        self._seen_tokens: set[str] = set()
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
        if token in self._seen_tokens:
            raise PaginationLoopError(
                f"the API returned the same {what} twice ({token[:80]!r}); stopping instead "
                "of looping forever"
            )
        self._seen_tokens.add(token)


Numbered = TypeVar("Numbered", EnvelopePagination, PageNumberPagination, KeysetPagination)


class NumberedPaginator(Paginator[Numbered]):
    """A page number and a size; stop on last/short/empty page or when `totalPages` is reached."""

    def _size(self) -> int:
        return self.spec.page_size or 100

    def first(self, request: PageRequest) -> PageRequest:
        return request.with_params(
            **{self.spec.page_param: self.spec.start_page, self.spec.size_param: self._size()}
        )

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        self._guard(page)
        doc = page.document
        current = int(request.params.get(self.spec.page_param, self.spec.start_page))
        if envelope().is_last(doc):
            self._stop(page, "the page says it is the last")
            return None
        if page.record_count < self._size():
            self._stop(page, f"{page.record_count} record(s), fewer than {self._size()}")
            return None
        total_pages = envelope().total_pages(doc)
        if total_pages is not None and current + 1 - self.spec.start_page >= total_pages:
            self._stop(page, f"all {total_pages} page(s) the first page announced")
            return None
        self._guard_token(str(current + 1), "page number")
        return request.with_params(**{self.spec.page_param: current + 1})

    def remaining(self, request: PageRequest, page: Page) -> list[PageRequest] | None:
        doc = page.document
        total = envelope().total_pages(doc)
        if total is None or not getattr(self.spec, "concurrent", True):
            return None
        if envelope().is_last(doc) or page.record_count < self._size():
            self._stop(page, "the first page is the only one")
            return []
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


class KeysetPaginator(NumberedPaginator[KeysetPagination]):
    """Ascending on a timestamp field, each page asks for records after the last one seen.

    Unlike page numbers, this cannot skip a record when earlier records change while the read
    pages through (a change moves a record to the end instead of shifting every page). Each
    step asks from `safe_after(newest, unit)`, one whole unit of the server's modifiedAfter
    precision before the newest instant of the page, so the records sharing it are read again
    (the merge on the primary key absorbs them); when that does not move the cursor, the read
    moves on by page number instead. Every page is checked: its records must be ascending, and
    after a step the newest records must come back first. When they do not, the server compares
    more coarsely than assumed: the unit is coarsened (`LearnedPrecision`) and the step asked
    again; past `day`, or on an unordered page, `ServerMisbehaviour` ends the read.
    """

    def __init__(self, spec: KeysetPagination) -> None:
        super().__init__(spec)
        self.learned = spec.precision or LearnedPrecision()
        # The last step: its unit, the newest instant it stepped from and the request before.
        self._step: tuple[str, datetime, PageRequest] | None = None

    def remaining(self, request: PageRequest, page: Page) -> list[PageRequest] | None:
        return None  # each request depends on the page before it

    def _guard(self, page: Page) -> None:
        # A step can legitimately answer the page before again (every record of it shares
        # one unit of the server's precision); the position tokens still stop any loop.
        self.pages += 1

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        self._guard(page)
        moments = self._moments(page)
        if self._step is not None:
            retry = self._check_step(request, moments)
            if retry is not None:
                return retry
        if envelope().is_last(page.document):
            self._stop(page, "the page says it is the last")
            return None
        if page.record_count < self._size():
            self._stop(page, f"{page.record_count} record(s), fewer than {self._size()}")
            return None
        if not moments:
            return super().next(request, page)
        newest = moments[-1]
        after = parse_timestamp(request.params.get(self.spec.keyset_param))
        unit = self.learned.unit
        candidate = safe_after(newest, unit)
        if after is None or candidate > after:
            self._step = (unit, newest, request)
            return self._ask(request, candidate)
        return self._next_number(request)

    def _next_number(self, request: PageRequest) -> PageRequest:
        """The next page of the same filter (the cursor cannot move past the page's instant)."""
        number = int(request.params.get(self.spec.page_param, 0)) + 1
        self._guard_token(f"{request.params.get(self.spec.keyset_param)}#{number}", "keyset page")
        return request.with_params(**{self.spec.page_param: number})

    def _ask(self, request: PageRequest, after: datetime) -> PageRequest:
        text = format_timestamp(after)
        self._guard_token(f"{text}#0", "keyset position")
        return request.with_params(**{self.spec.keyset_param: text, self.spec.page_param: 0})

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

    def _check_step(self, request: PageRequest, moments: list[datetime]) -> PageRequest | None:
        """After a step from `newest`, the records at `newest` must come back first."""
        assert self._step is not None
        unit, newest, before = self._step
        self._step = None
        if moments and moments[0] <= newest:
            self.learned.confirm(unit, newest)
            return None
        self.learned.coarsen(unit)
        if self.learned.exhausted:
            raise ServerMisbehaviour(
                f"records at {format_timestamp(newest)} did not come back even with a "
                f"modifiedAfter a day earlier; the server's {self.spec.keyset_param} cannot "
                "be trusted"
            )
        _log.debug("modifiedAfter is coarser than %s: asking again by %s", unit, self.learned.unit)
        candidate = safe_after(newest, self.learned.unit)
        after = parse_timestamp(before.params.get(self.spec.keyset_param))
        if after is not None and candidate <= after:
            return self._next_number(before)  # no step is possible at the coarser unit
        self._step = (self.learned.unit, newest, before)
        return self._ask(request, candidate)


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
