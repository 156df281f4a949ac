"""The read engine: requests (macros, lookups, fan-out) -> pages (paginators) -> records.

Records stream page by page; nothing holds a whole stream. Requests for different lookup values
run concurrently up to the connection's `max_concurrency`, and when the first page of a search
tells the page count, the remaining pages are fetched concurrently too (in order).
"""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.connection import Connection
from clientsuccess_connector.connection.urls import render_path
from clientsuccess_connector.errors import DataError
from clientsuccess_connector.extract.document import Format, detect_format, parse_json
from clientsuccess_connector.extract.extractor import DataPath, detect_data_path
from clientsuccess_connector.extract.xpath import parse_xml
from clientsuccess_connector.read import macros
from clientsuccess_connector.read.concurrency import interleave, ordered_map
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.lookups import LookupTable, lookup_rows
from clientsuccess_connector.read.pagination import Page, PageRequest, Paginator
from clientsuccess_connector.read.paginators import make_paginator
from clientsuccess_connector.read.run import ReadRun

_log = logging.getLogger(__name__)
Record = dict[str, Any]
LookupRow = Mapping[str, Mapping[str, Any]]


@dataclass(slots=True)
class _Parsed:
    format: Format
    document: Any


class Reader:
    """Reads sources over one connection; `now` is fixed for the run (date macros)."""

    def __init__(
        self,
        connection: Connection,
        *,
        now: datetime | None = None,
        lookups: Mapping[str, LookupTable] | None = None,
        parallel_pages: bool = True,
    ) -> None:
        self.connection = connection
        self.now = now or datetime.now(UTC)
        self.lookups = dict(lookups or {})
        self.parallel_pages = parallel_pages
        self._workers = connection.settings.max_concurrency
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="cs-page")
        self._only: list[LookupRow] | None = None  # set on a view made by `for_row`

    def close(self) -> None:
        """Stop the page-fetching threads (a view made by `for_row` leaves them to its reader)."""
        if self._only is None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def for_row(self, row: LookupRow) -> Reader:
        """A view of this reader (same connection, clock and threads) that reads only the
        requests of one lookup row: one partition of a fan-out source."""
        view = copy.copy(self)
        view._only = [row]
        return view

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public ------------------------------------------------------------------------------

    def pages(
        self,
        source: Source,
        run: ReadRun | None = None,
        *,
        query_overrides: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[list[Record]]:
        """Batches of records, one per page, until the data, `limit` or `max_records` ends.

        `run` (read/run.py) carries the read's statistics, its page callback (each page as
        fetched, with its document, from several threads; the first page always first) and
        its observer (the total the first page announces, or the fan-out's request count,
        and every page's record count). The whole read, every page and lookup value, must end
        within the run's series deadline, by default the connection's `series_deadline`.
        """
        run = run or ReadRun()
        observer = run.observer
        if query_overrides:
            source = replace(source, query={**source.query, **query_overrides})
        caps = [c for c in (limit, source.max_records) if c is not None]
        cap = min(caps) if caps else None
        dates = self._dates(source)
        rows = self.lookup_rows(source)
        if run.series is None:
            run = run.but(series=self.connection.series_deadline(f"source {source.name!r}"))
        series = _Series(self, source, dates, run)
        if rows is not None and observer is not None:
            observer.announced(len(rows), "requests")
        if rows is None or len(rows) == 1:
            batches: Iterator[list[Record]] = series.unit(
                rows[0] if rows else {}, announce=rows is None
            )
        else:
            batches = interleave(
                (functools.partial(series.unit, row) for row in rows),
                workers=self._workers,
                buffer=self._workers * 2,
            )
        seen = 0
        try:
            for batch in batches:
                if observer is not None:
                    observer.page(len(batch) if cap is None else min(len(batch), cap - seen))
                if cap is not None and seen + len(batch) >= cap:
                    yield batch[: cap - seen]
                    _log.debug("%s: stopped at the cap of %d record(s)", source.name, cap)
                    return
                seen += len(batch)
                yield batch
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    def records(
        self, source: Source, run: ReadRun | None = None, **options: Any
    ) -> Iterator[Record]:
        """The records of `pages`, one by one."""
        for batch in self.pages(source, run, **options):
            yield from batch

    def first_page(
        self,
        source: Source,
        run: ReadRun | None = None,
        *,
        query_overrides: Mapping[str, Any] | None = None,
    ) -> Page:
        """The first page of `source`, parsed and extracted, with the first lookup value
        (counted in `run`'s statistics, seen by its page callback)."""
        if query_overrides:
            source = replace(source, query={**source.query, **query_overrides})
        series, request = self._first(source, run or ReadRun())
        return series.fetch(request)

    def first_response(self, source: Source) -> httpx.Response:
        """The raw first response (for path suggestions), with the first lookup value."""
        series, request = self._first(source, ReadRun())
        return self.connection.request(
            request.method,
            request.url,
            params=request.params,
            json=request.body,
            headers=request.headers,
            idempotent=series.idempotent,
        )

    def lookup_rows(self, source: Source) -> list[LookupRow] | None:
        """One row per request series for the lookups `source` references (its partitions;
        only one on a view made by `for_row`); None when it references none."""
        refs = macros.lookup_refs(*source.macro_texts())
        if not refs:
            return None
        if self._only is not None:
            return self._only
        return list(lookup_rows(self.lookups, refs, where=f"source {source.name!r}"))

    # -- internals -------------------------------------------------------------------------

    def _first(self, source: Source, run: ReadRun) -> tuple[_Series, PageRequest]:
        rows = self.lookup_rows(source)
        row: LookupRow = next(iter(rows), {}) if rows is not None else {}
        series = _Series(self, source, self._dates(source), run)
        return series, make_paginator(source.pagination, run).first(series.first_request(row))

    def _dates(self, source: Source) -> macros.DateMacroContext:
        return macros.MacroClock(self.now).context(source.date_format, source.time_unit)


class _Series:
    """One read of one source: builds requests, fetches pages, extracts records."""

    def __init__(
        self, reader: Reader, source: Source, dates: macros.DateMacroContext, run: ReadRun
    ) -> None:
        self.run = run
        self.observer = run.observer
        self.reader = reader
        self.connection = reader.connection
        self.source = source
        self.dates = dates
        known_lookups = {name: table.columns for name, table in reader.lookups.items()}
        self.macros = macros.RenderContext(dates, known_lookups)
        self.idempotent: bool | None = True if source.template is not None else None
        # Compiled when the source was resolved; without a data path, detected from the first
        # answer of this read (and kept for its other pages).
        self._data_path: DataPath | None = source.extractor.data

    # -- requests --------------------------------------------------------------------------

    def first_request(self, row: LookupRow) -> PageRequest:
        source, render = self.source, self.macros
        if source.template is not None:  # `{name}` in a template's path is a path parameter
            values = {k: render.json(v, row) for k, v in source.path_values.items()}
            url = render_path(source.url, values)
        else:
            url = render.text(source.url, row, "url")
        params = {k: render.json(v, row) for k, v in source.query.items()}
        body = None if source.body is None else render.json(source.body, row)
        headers = {k: render.text(v, row, "header") for k, v in source.headers.items()}
        return PageRequest(source.method, url, params, body, headers)

    # -- pages -----------------------------------------------------------------------------

    def unit(self, row: LookupRow, *, announce: bool = False) -> Iterator[list[Record]]:
        """Every page of the request series for one lookup row (or the only series).

        The paginator sees each page before it is yielded, so a page it rejects (say, out of
        order) never reaches the caller. With `announce`, the observer hears the total the
        first page tells; without, it hears when the series (one fan-out request) is done.
        """
        paginator = make_paginator(self.source.pagination, self.run)
        request = paginator.first(self.first_request(row))
        lookup_values = flat_lookup_values(row)
        page = self.fetch(request)
        if announce and self.observer is not None:
            total = envelope().total_elements(page.document)
            if total is not None:
                self.observer.announced(total, "records")
        remaining = paginator.remaining(request, page) if self.reader.parallel_pages else None
        if remaining is None:
            yield from self._sequential(paginator, request, page, 1, lookup_values)
        else:
            yield self._records(page, lookup_values)
            if remaining:
                yield from self._parallel(paginator, request, remaining, lookup_values)
        if not announce and self.observer is not None:
            self.observer.request_done()

    def _parallel(
        self,
        paginator: Paginator[Any],
        request: PageRequest,
        remaining: list[PageRequest],
        lookup_values: dict[str, Any],
    ) -> Iterator[list[Record]]:
        """The pages after the first, fetched concurrently and yielded in order."""
        name, max_pages, pages = self.source.name, self.source.pagination.max_pages, 1
        if max_pages is not None:
            remaining = remaining[: max(0, max_pages - pages)]
        window = self.reader._workers * 2
        fetched = ordered_map(self.reader._pool, lambda r: (r, self.fetch(r)), remaining, window)
        page: Page | None = None
        last = request
        for last, page in fetched:  # noqa: B007 (the last request continues the series)
            pages += 1
            yield self._records(page, lookup_values)
            if page.record_count == 0:
                _log.debug("%s: stopped at page %d: an empty page", name, pages)
                return
        if max_pages is not None and pages >= max_pages:
            _log.debug("%s: stopped at max_pages (%d)", name, max_pages)
            return
        # Records added while paging can make the last page full: carry on one by one.
        if page is not None and (nxt := paginator.next(last, page)) is not None:
            yield from self._sequential(paginator, nxt, self.fetch(nxt), pages + 1, lookup_values)

    def _sequential(
        self,
        paginator: Paginator[Any],
        request: PageRequest,
        page: Page,
        pages: int,
        lookup_values: dict[str, Any],
    ) -> Iterator[list[Record]]:
        """Page after page, each request built from the page before."""
        max_pages = self.source.pagination.max_pages
        while True:
            at_cap = max_pages is not None and pages >= max_pages
            nxt = None if at_cap else paginator.next(request, page)
            yield self._records(page, lookup_values)
            if at_cap:
                _log.debug("%s: stopped at max_pages (%d)", self.source.name, max_pages)
            if nxt is None:
                return
            request, page, pages = nxt, self.fetch(nxt), pages + 1

    def fetch(self, request: PageRequest) -> Page:
        """One page: the response, parsed (retried when it does not parse), and its records."""
        parsed: list[_Parsed] = []

        def parse(response: httpx.Response) -> None:
            parsed.clear()
            parsed.append(self._parse(response))

        response = self.connection.request(
            request.method,
            request.url,
            params=request.params,
            json=request.body,
            headers=request.headers,
            idempotent=self.idempotent,
            validate=parse,
            stats=self.run.stats,
            series=self.run.series,
        )
        document = parsed[0]
        page = Page(response, document.document, self._extract(document))
        if self.run.on_page is not None:
            self.run.on_page(page)
        return page

    def _parse(self, response: httpx.Response) -> _Parsed:
        content = response.content
        fmt: Format
        if self.source.response_format == "auto":
            fmt = detect_format(content, response.headers.get("Content-Type"))
        else:
            fmt = self.source.response_format
        search = self.source.search
        if fmt == "xml" and not search:
            return _Parsed("xml", parse_xml(content))
        try:
            document = parse_json(content)
        except DataError as exc:
            url = self.connection.mask(str(response.request.url))
            raise DataError(f"{exc} (from {url})") from None
        if search and not envelope().is_page(document):
            # A search page without its `data` list (null, an HTML page, another shape) would
            # otherwise read as an empty last page and end the stream early: retry, then fail.
            url = self.connection.mask(str(response.request.url))
            data = envelope().data_key
            raise DataError(f"the answer from {url} is not a search page (no `{data}` list)")
        return _Parsed("json", document)

    def _extract(self, parsed: _Parsed) -> list[Record]:
        if self._data_path is None:
            self._data_path = detect_data_path(parsed.format, parsed.document)
        return self.source.extractor.records(self._data_path, parsed.format, parsed.document)

    def _records(self, page: Page, lookup_values: dict[str, Any]) -> list[Record]:
        records = page.records
        if lookup_values:
            for record in records:
                record["_lookup"] = lookup_values
        return records


def flat_lookup_values(row: LookupRow) -> dict[str, Any]:
    """`{"contracts": {"id": 17}}` as `{"contracts.id": 17}`: the `_lookup` of each record."""
    return {f"{name}.{col}": value for name, cols in row.items() for col, value in cols.items()}
