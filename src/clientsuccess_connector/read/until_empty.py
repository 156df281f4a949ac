"""Paging that ends on an empty page only: for reads that must not take the server's word.

`sync`'s paginators end a page-number or offset series on a short page (fewer records than
asked). A server that caps the page size below what was asked, and gives no count, makes every
page short: the series would end after its first page. `verify` reads a source with
`until_empty(source.pagination)` instead: the same first request (so the same filters, sort
and page size), then page numbers or offsets moved on until a page holds no record. Series
driven by the server (cursor, next URL, Link header) and single requests keep their own rule:
they end when the server stops pointing further. The pages up to a count the first page gives
are fetched concurrently, as `sync` does; the count never ends the read, the empty page does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.read.pagination import (
    EnvelopePaginator,
    NumberedPaginator,
    OffsetPaginator,
    Page,
    PageRequest,
    Paginator,
    detect,
)
from clientsuccess_connector.read.pagination_config import AutoPagination, PaginatorConfig
from clientsuccess_connector.read.paginators import PAGINATORS, make_paginator
from clientsuccess_connector.read.run import ReadRun

__all__ = ["UntilEmptyPagination", "until_empty"]


@dataclass(frozen=True, slots=True, kw_only=True)
class UntilEmptyPagination(PaginatorConfig):
    """`inner`'s requests, ended by an empty page (not a flow file option)."""

    type: ClassVar[str] = "until_empty"
    inner: PaginatorConfig


def until_empty(config: PaginatorConfig) -> UntilEmptyPagination:
    """`config`'s paging, ended only by an empty page (or its own end for token series)."""
    return UntilEmptyPagination(inner=config, max_pages=config.max_pages)


class UntilEmptyPaginator(Paginator[UntilEmptyPagination]):
    """Walks page numbers or offsets until an empty page; delegates anything else."""

    def __init__(self, spec: UntilEmptyPagination, run: ReadRun | None = None) -> None:
        super().__init__(spec, run)
        self._inner: Paginator[Any] = make_paginator(spec.inner, run)
        self._detected = not isinstance(spec.inner, AutoPagination)

    def first(self, request: PageRequest) -> PageRequest:
        return self._inner.first(request)

    def remaining(self, request: PageRequest, page: Page) -> list[PageRequest] | None:
        """The pages up to the count a search's first page gives, to fetch concurrently (the
        reader then goes on one by one until an empty page); None without a count."""
        if not self._detected:
            request = self._detect(request, page)
        inner = self._inner
        total = envelope().total_pages(page.document)
        if not isinstance(inner, NumberedPaginator) or total is None or total < 2:
            return None  # one page after the other: None, as [] would end the series here
        if page.record_count == 0:
            return None
        spec = inner.spec
        first = int(request.params.get(spec.page_param, spec.start_page))
        pages = range(first + 1, spec.start_page + total)
        return [request.with_params(**{spec.page_param: n}) for n in pages] or None

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        if not self._detected:
            request = self._detect(request, page)
        inner = self._inner
        if isinstance(inner, NumberedPaginator):  # envelope, page_number (and keyset: by number)
            spec = inner.spec
            if self._empty(page):
                return None
            current = int(request.params.get(spec.page_param, spec.start_page))
            self._guard_token(str(current + 1), "page number")
            return request.with_params(**{spec.page_param: current + 1})
        if isinstance(inner, OffsetPaginator):
            if self._empty(page):
                return None
            offset = int(request.params.get(inner.spec.offset_param, 0)) + page.record_count
            self._guard_token(str(offset), "offset")
            return request.with_params(**{inner.spec.offset_param: offset})
        return inner.next(request, page)

    def _empty(self, page: Page) -> bool:
        """Count the page (and refuse one identical to the page before); True when empty."""
        self._guard(page)
        if page.record_count == 0:
            self._stop(page, "an empty page")
            return True
        return False

    def _detect(self, request: PageRequest, page: Page) -> PageRequest:
        """`auto`: pick the scheme from the first answer, as `sync` does. A search answered
        without paging parameters was page 0 at the server's size: go on at that size."""
        self._detected = True
        assert isinstance(self.spec.inner, AutoPagination)
        chosen = detect(page, self.spec.inner, self.run)
        self._inner = chosen
        if isinstance(chosen, EnvelopePaginator) and chosen.spec.page_param not in request.params:
            doc = page.document
            size = doc.get(envelope().size_key)
            if isinstance(size, int) and size > 0:
                chosen.spec = replace(chosen.spec, page_size=size)
            current = doc.get(envelope().page_key, chosen.spec.start_page)
            request = request.with_params(
                **{chosen.spec.page_param: current, chosen.spec.size_param: chosen._size()}
            )
        return request


PAGINATORS[UntilEmptyPagination] = UntilEmptyPaginator
