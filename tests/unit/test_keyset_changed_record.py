"""A keyset read on a server that compares modifiedAfter by the second, whose record ending a
page is changed before the next step: the records left in that second are still read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from clientsuccess_connector.read.incremental.keyset import KeysetPaginator
from clientsuccess_connector.read.pagination import Page, PageRequest
from clientsuccess_connector.read.pagination_config import KeysetPagination
from clientsuccess_connector.read.run import ReadRun
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp

T0 = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_changed_page_end_does_not_hide_the_rest_of_its_second() -> None:
    """No counts to catch it: record 5 ends page 1 and is changed at once (moving to the end);
    the widened step then holds no record at 5's old moment, but one after it that the finer
    step skipped proves the server coarser, and nothing is lost."""
    stamps = {1: at(1), 2: at(2), 4: at(5.1), 5: at(5.3), 61: at(5.5), 62: at(5.6),
              63: at(5.7), 64: at(5.8), 7: at(6.2), 8: at(7), 9: at(8)}  # fmt: skip

    def search(params: dict[str, Any]) -> list[dict[str, Any]]:
        after = parse_timestamp(params.get("modifiedAfter"))

        def kept(t: datetime) -> bool:  # strictly after, compared by the second
            return after is None or t.replace(microsecond=0) > after.replace(microsecond=0)

        rows = sorted((t, i) for i, t in stamps.items() if kept(t))
        page, size = int(params["page"]), int(params["size"])
        return [{"id": i, "modifiedTime": format_timestamp(t)}
                for t, i in rows[page * size:(page + 1) * size]]  # fmt: skip

    spec = KeysetPagination(keyset_field="modifiedTime", page_size=4)
    paginator = KeysetPaginator(spec, ReadRun(identity=("id",)))
    first = PageRequest("GET", "http://api.test/s", {"sortBy": "modifiedTime"})
    request: PageRequest | None = paginator.first(first)
    seen: set[int] = set()
    for n in range(1, 40):
        if request is None:
            break
        records = search(dict(request.params))
        seen |= {r["id"] for r in records}
        response = httpx.Response(200, content=str(n).encode(),
                                  request=httpx.Request("GET", "http://api.test/s"))  # fmt: skip
        if n == 1:
            stamps[5] = at(100)  # changed right after page 1 was read
        request = paginator.next(request, Page(response, {}, records))
    assert request is None
    assert seen == set(stamps)
    assert paginator.learned.unit != "ms"  # the step taught it the server's coarser unit
