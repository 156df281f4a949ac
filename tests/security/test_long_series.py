"""The loop guard of a page series holds bounded memory, however long the series runs: an
endless chain of distinct next-page links no longer grows memory by every URL it saw, and
loops of any length are still caught."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

import httpx
import orjson
import pytest

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.loop_guard import WINDOW, LoopGuard
from clientsuccess_connector.read.pagination import (
    NextUrlPaginator,
    Page,
    PageRequest,
    PaginationLoopError,
)
from clientsuccess_connector.read.pagination_config import NextUrlPagination
from clientsuccess_connector.read.reader import Reader

BASE = "http://cs.test/api/v1"


def _link(page: int) -> str:
    return f"{BASE}/items?page={page}&cursor=c2VjcmV0LWN1cnNvci0{page:08d}"


def _page(number: int, next_url: str) -> Page:
    document = {"data": [{"id": number}], "next": next_url}
    request = httpx.Request("GET", _link(number))
    response = httpx.Response(200, content=orjson.dumps(document), request=request)
    return Page(response, document, [{"id": number}])


def _growth(steps: int, step: Callable[[int], None], traced_from: int, settled_at: int) -> int:
    """Bytes that calls `settled_at` to `steps` of `step` added to what is held: traced from
    `traced_from` on (tracing every call would make the test ten times slower), measured from
    `settled_at`, once what the first pages fill (the guard's window, the libraries' caches)
    has been replaced by traced objects."""
    for number in range(traced_from):
        step(number)
    tracemalloc.start()
    try:
        for number in range(traced_from, steps):
            if number == settled_at:
                gc.collect()
                start = tracemalloc.get_traced_memory()[0]
            step(number)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("period", [1, 3, WINDOW, WINDOW + 1, 5000])
def test_a_loop_of_any_length_is_caught(period: int) -> None:
    """A token that comes back is caught: at once within the window, in a few laps beyond."""
    guard = LoopGuard()
    tail = [f"tail-{n}" for n in range(37)]
    tokens = tail + [f"loop-{n % period}" for n in range(10 * period + 10_000)]
    caught = next(i for i, token in enumerate(tokens) if guard.seen_before(token))
    assert caught >= len(tail) + period
    if period <= WINDOW:
        assert caught == len(tail) + period
    assert caught <= len(tail) + 4 * period + 64


def test_distinct_tokens_are_never_taken_for_a_loop() -> None:
    guard = LoopGuard()
    assert not any(guard.seen_before(_link(n)) for n in range(200_000))


def test_a_100000_page_chain_stays_under_a_memory_cap() -> None:
    """The next-URL paginator follows 100,000 distinct links; past the window, memory stays
    flat (every URL kept would be about 10 MB)."""
    paginator = NextUrlPaginator(NextUrlPagination())
    request = PageRequest("GET", _link(0))
    answer = httpx.Response(200, content=b"{}", request=httpx.Request("GET", BASE))
    document: dict[str, str] = {}
    page = Page(answer, document, [])  # one page object, its link changed each time

    def step(number: int) -> None:
        nonlocal request
        document["next"] = _link(number + 1)
        following = paginator.next(request, page)
        assert following is not None
        request = following

    # the last 8,000 of 100,000 pages: every URL kept would be about 1 MB; the bound leaves
    # room for the window's set growing its table once (32 KB)
    assert _growth(100_000, step, traced_from=90_000, settled_at=92_000) < 96 * 1024


def test_an_endless_chain_read_end_to_end_holds_flat_memory(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Through the connection and the reader: pages 3,000 to 4,000 of an endless chain add
    no memory that grows with the page count (each kept URL was about 220 bytes; the first
    pages fill the loop guard's window and the libraries' caches)."""
    caplog.set_level("WARNING", logger="clientsuccess_connector")  # kept records would grow

    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", 0))
        document = {"data": [{"id": number}], "next": _link(number + 1)}
        return httpx.Response(200, content=orjson.dumps(document))

    settings = ConnectionSettings(base_url=BASE, api_key="sk-long-series-0000")
    spec = SourceSpec("items", url="/items", data_path="$.data[*]", pagination="next_url")
    with (
        Connection(settings, transport=httpx.MockTransport(answer)) as conn,
        Reader(conn) as reader,
    ):
        records = reader.records(resolve(spec))
        growth = _growth(4_000, lambda number: next(records), 1_500, settled_at=3_000)
        records.close()  # type: ignore[attr-defined]
    assert growth < 96 * 1024


def test_a_looping_chain_still_stops_with_the_loop_error() -> None:
    paginator = NextUrlPaginator(NextUrlPagination())
    request = PageRequest("GET", _link(0))
    with pytest.raises(PaginationLoopError, match="same next-page URL twice"):
        for number in range(10_000):
            following = paginator.next(request, _page(number, _link((number + 1) % 3000)))
            assert following is not None
            request = following
