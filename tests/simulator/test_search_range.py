"""modifiedAfter on the sort field (the incremental read) pages exactly like a full filter+sort."""

from __future__ import annotations

import httpx
import pytest

from clientsuccess_connector.simulator import SimulatorHandle


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("size", [7, 100])
def test_modified_after_on_the_sort_field(
    shared_simulator: SimulatorHandle, shared_client: httpx.Client, direction: str, size: int
) -> None:
    """Every page of an incremental search holds the records a plain filter and sort give."""
    notes = shared_simulator.store.records("client_notes")
    after = sorted(n["modifiedTime"] for n in notes)[len(notes) // 3]
    expected = sorted(
        (n for n in notes if n["modifiedTime"][:23] > after[:23]),
        key=lambda n: (n["modifiedTime"], n["id"]),
        reverse=direction == "desc",
    )
    got: list[int] = []
    page = 0
    while True:
        body = shared_client.get(
            "/clientNote/search",
            params={"sortBy": "modifiedTime", "sortDirection": direction,
                    "modifiedAfter": after, "page": page, "size": size},
        ).json()  # fmt: skip
        assert body["totalElements"] == len(expected)
        got += [n["id"] for n in body["data"]]
        if body["last"]:
            break
        page += 1
    assert got == [n["id"] for n in expected]
