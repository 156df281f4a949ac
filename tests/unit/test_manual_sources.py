"""Manual endpoints with every paginator, XML with XPath, metadata, loop guards and caps."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.errors import ConfigError, PaginationLoopError
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.reader import Reader

ITEMS = [{"id": i, "name": f"n{i}"} for i in range(23)]
Handler = Callable[[httpx.Request], httpx.Response]


def read(handler: Handler, **spec: object) -> tuple[list[dict[str, object]], list[httpx.URL]]:
    """Read a manual source against a mock API; returns records and requested URLs."""
    urls: list[httpx.URL] = []

    def recording(request: httpx.Request) -> httpx.Response:
        urls.append(request.url)
        return handler(request)

    settings = ConnectionSettings(base_url="http://api.test/v1", api_key="k" * 12)
    conn = Connection(settings, transport=httpx.MockTransport(recording))
    with conn, Reader(conn, parallel_pages=False) as reader:
        source = resolve(SourceSpec("manual", url="/items", **spec))  # type: ignore[arg-type]
        return list(reader.records(source)), urls


def offset_api(request: httpx.Request) -> httpx.Response:
    offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
    return httpx.Response(200, json={"items": ITEMS[offset : offset + limit]})


def cursor_api(request: httpx.Request) -> httpx.Response:
    start = int(request.url.params.get("cursor", 0))
    nxt = start + 10 if start + 10 < len(ITEMS) else None
    return httpx.Response(200, json={"items": ITEMS[start : start + 10], "next_cursor": nxt})


def next_url_api(request: httpx.Request) -> httpx.Response:
    start = int(request.url.params.get("from", 0))
    more = start + 10 < len(ITEMS)
    body = {
        "results": ITEMS[start : start + 10],
        "next": f"/v1/items?from={start + 10}" if more else None,
    }
    return httpx.Response(200, json=body)  # fmt: skip


def link_api(request: httpx.Request) -> httpx.Response:
    start = int(request.url.params.get("from", 0))
    headers = {}
    if start + 10 < len(ITEMS):
        headers["Link"] = f'<http://api.test/v1/items?from={start + 10}>; rel="next"'
    return httpx.Response(200, json=ITEMS[start : start + 10], headers=headers)


def envelope_api(request: httpx.Request) -> httpx.Response:
    page = int(request.url.params.get("page", 0))
    size = int(request.url.params.get("size", 10))
    chunk = ITEMS[page * size : page * size + size]
    pages = -(-len(ITEMS) // size)
    body = {"data": chunk, "first": page == 0, "last": page >= pages - 1, "page": page,
            "size": size, "totalPages": pages, "totalElements": len(ITEMS)}  # fmt: skip
    return httpx.Response(200, json=body)


@pytest.mark.parametrize(
    ("handler", "spec"),
    [
        (offset_api, {"pagination": {"type": "offset"}, "page_size": 7,
                      "data_path": "$.items[*]"}),
        (cursor_api, {"pagination": "cursor", "data_path": "$.items[*]"}),
        (next_url_api, {"data_path": "$.results[*]"}),  # auto-detects the next URL
        (link_api, {}),  # auto-detects the Link header
        (envelope_api, {}),  # auto-detects the ClientSuccess envelope
        (envelope_api, {"pagination": "page_number", "page_size": 5, "data_path": "$.data[*]"}),
    ],
)  # fmt: skip
def test_each_paginator_reads_every_record_once(handler: Handler, spec: dict[str, object]) -> None:
    """Offset, cursor, next URL, Link header, envelope and page numbers all stop at the end."""
    records, urls = read(handler, **spec)
    assert [r["id"] for r in records] == [i["id"] for i in ITEMS]
    assert len(urls) >= 3


def test_metadata_path_is_merged_into_every_record() -> None:
    """Path to Metadata puts the value found there under `_metadata` of each record."""
    records, _ = read(envelope_api, metadata_path="$.totalElements")
    assert {r["_metadata"] for r in records} == {23}


def test_xml_with_xpath() -> None:
    """An XML response is read with an XPath data path; metadata with XPath too."""
    xml = (b"<response><total>2</total><data><item id='1'><name>A &amp; B</name></item>"
           b"<item id='2'><name>\xc3\xa9t\xc3\xa9</name></item></data></response>")  # fmt: skip

    def api(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=xml, headers={"Content-Type": "application/xml"})

    records, _ = read(api, data_path="/response/data/item", metadata_path="/response/total",
                      pagination="none")  # fmt: skip
    assert [r["name"] for r in records] == ["A & B", "été"]
    assert [r["@id"] for r in records] == ["1", "2"]
    assert records[0]["_metadata"] == "2"


def test_a_repeated_page_is_a_loop_error() -> None:
    """An API that ignores the paging parameter is stopped, not looped forever."""

    def stuck(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": ITEMS[:10]})

    with pytest.raises(PaginationLoopError, match="identical"):
        read(stuck, pagination={"type": "offset", "page_size": 10}, data_path="$.items[*]")


def test_a_repeated_next_url_is_a_loop_error() -> None:
    """A next link pointing back at a page already read stops with a clear error."""
    calls = {"n": 0}

    def loops(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return httpx.Response(200, json={"results": [{"id": calls["n"]}], "next": "/v1/items?p=1"})

    with pytest.raises(PaginationLoopError, match="same next-page URL"):
        read(loops, data_path="$.results[*]")


def test_max_records_and_max_pages_cap_the_read() -> None:
    """Caps stop the read early."""
    records, _ = read(envelope_api, max_records=12, page_size=5)
    assert len(records) == 12
    records, urls = read(envelope_api, max_pages=2, page_size=5, pagination="envelope")
    assert len(records) == 10
    assert len(urls) == 2
    # Auto-detected paging continues at the size the server used for the first page.
    records, urls = read(envelope_api, max_pages=2, page_size=5)
    assert [r["id"] for r in records] == list(range(20))


def test_headers_string_and_body_are_sent() -> None:
    """`h1:v1,h2:v2` headers and a JSON body go out with the request."""
    seen: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"id": 1}])

    read(api, method="POST", headers="X-Trace:abc, Accept-Language:en", body={"q": "x"},
         pagination="none")  # fmt: skip
    assert seen[0].headers["X-Trace"] == "abc"
    assert seen[0].headers["Accept-Language"] == "en"
    assert seen[0].method == "POST"
    assert seen[0].content == b'{"q":"x"}'


def test_jsonpath_where_xml_expected_is_a_config_error() -> None:
    """An XPath data path on a JSON response is a config error naming the fix."""
    with pytest.raises(ConfigError, match="JSONPath"):
        read(envelope_api, data_path="/response/item")


def test_bad_header_string_is_a_config_error() -> None:
    """A header without a colon is reported with the expected form."""
    with pytest.raises(ConfigError, match="header1:value1"):
        resolve(SourceSpec("m", url="/x", headers="novalue"))


@pytest.mark.parametrize(
    ("pagination", "message"),
    [
        ({"type": "cursor", "page_size": 50}, "'cursor' does not take page_size; it takes: "
         "max_pages, cursor_path, cursor_param"),
        ({"type": "envelope", "page_param": "p"}, "'envelope' does not take page_param"),
        ({"type": "offset", "page_size": "ten"}, "page_size must be a whole number"),
        ("pages", "unknown pagination type 'pages'; use one of auto, envelope"),
    ],
)  # fmt: skip
def test_an_option_the_pagination_type_does_not_take_is_a_config_error(
    pagination: object, message: str
) -> None:
    """A pagination option foreign to its type fails before any request, naming valid ones."""
    with pytest.raises(ConfigError, match=message):
        resolve(SourceSpec("manual", url="/items", pagination=pagination))  # type: ignore[arg-type]


def test_a_short_page_ends_only_an_answer_that_says_nothing_more() -> None:
    """A search envelope that caps its pages at 7 and echoes the size asked is read to its
    `last` page; a plain array API ends on its short page without asking past it."""

    def capped(request: httpx.Request) -> httpx.Response:
        page, asked = int(request.url.params["page"]), int(request.url.params["size"])
        chunk = ITEMS[page * 7 : page * 7 + 7]
        last = page * 7 + 7 >= len(ITEMS)
        return httpx.Response(200, json={"data": chunk, "last": last, "size": asked})

    records, urls = read(capped, pagination={"type": "page_number"}, page_size=10,
                         data_path="$.data[*]")  # fmt: skip
    assert [r["id"] for r in records] == [i["id"] for i in ITEMS]

    def plain(request: httpx.Request) -> httpx.Response:
        page, size = int(request.url.params["page"]), int(request.url.params["size"])
        return httpx.Response(200, json=ITEMS[page * size : page * size + size])

    records, urls = read(plain, pagination={"type": "page_number"}, page_size=10)
    assert len(records) == len(ITEMS) and len(urls) == 3  # pages of 10, 10 and 3
