"""Paginators: how to ask for the next page, when to stop, and loop guards.

Each paginator is created fresh for one run of one request series. `first(request)` prepares the
first request; `next(request, page)` returns the next request or None when the data is done.
A paginator that learns the page count from the first page can hand back every remaining
request at once (`remaining`), so they can be fetched concurrently.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any, Generic, TypeVar

import httpx

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.connection.urls import parse_http_url, without_userinfo
from clientsuccess_connector.errors import ConfigError, DataError, PaginationLoopError
from clientsuccess_connector.read.loop_guard import LoopGuard
from clientsuccess_connector.read.page import Page as Page  # noqa: PLC0414 (re-exported)
from clientsuccess_connector.read.page import PageRequest as PageRequest  # noqa: PLC0414
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
from clientsuccess_connector.read.run import ReadRun

Config = TypeVar("Config", bound=PaginatorConfig)
_log = logging.getLogger(__name__)


class Paginator(Generic[Config]):
    """Base: no pagination, plus the loop guards every paginator shares."""

    def __init__(self, spec: Config, run: ReadRun | None = None) -> None:
        self.spec = spec
        self.run = run or ReadRun()
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
        stated = self.run.facts.stated.max_page_size
        if stated is not None:  # the flow file says the server serves no more
            asked = min(asked, stated)
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
            self.run.facts.learn("max_page_size", size)
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
        first = self.spec.start_page + self.run.skip_pages
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
        if total is None or not self.run.concurrent:
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


class AutoPaginator(Paginator[AutoPagination]):
    """Detects the scheme from the first response, then behaves as that paginator."""

    def __init__(self, spec: AutoPagination, run: ReadRun | None = None) -> None:
        super().__init__(spec, run)
        self._chosen: Paginator[Any] | None = None

    def _resolve(self, request: PageRequest, page: Page) -> tuple[Paginator[Any], PageRequest]:
        if self._chosen is None:
            self._chosen = detect(page, self.spec, self.run)
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


def detect(page: Page, spec: AutoPagination, run: ReadRun | None = None) -> Paginator[Any]:
    """Pick a paginator from what the first response looks like."""
    doc = page.document
    cap = spec.max_pages
    if isinstance(doc, dict) and doc.keys() >= envelope().answer_keys:
        size = spec.page_size
        return EnvelopePaginator(EnvelopePagination(max_pages=cap, page_size=size), run)
    if next_link(page.response.headers.get("Link", "")):
        return LinkHeaderPaginator(LinkHeaderPagination(max_pages=cap), run)
    if isinstance(doc, dict):
        for key in ("next", "nextPage", "next_page_url"):
            if isinstance(doc.get(key), str) and doc[key].startswith(("http", "/")):
                following = NextUrlPagination(max_pages=cap, next_url_path=key)
                return NextUrlPaginator(following, run)
    return Paginator(PaginatorConfig(max_pages=cap), run)


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
