"""Server profiles: modifiedAfter precision and comparison, an ignored sortBy, scan cost."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.simulator.profile import ServerProfile


def _ids(client: httpx.Client, **params: object) -> list[int]:
    """Every id a search returns, page by page."""
    got: list[int] = []
    page = 0
    while True:
        body = client.get("/clientNote/search", params={**params, "page": page, "size": 50}).json()
        got += [n["id"] for n in body["data"]]
        if body["last"]:
            return got
        page += 1


@pytest.fixture
def notes(simulator: SimulatorHandle) -> Iterator[list[dict[str, object]]]:
    """The simulator's notes, sorted by modifiedTime."""
    yield sorted(simulator.store.records("client_notes"), key=lambda n: str(n["modifiedTime"]))


@pytest.mark.parametrize(
    ("precision", "compare", "cut"),
    [("ms", "after", 23), ("second", "after", 19), ("second", "at_or_after", 19),
     ("day", "after", 10), ("day", "at_or_after", 10)],
)  # fmt: skip
def test_modified_after_is_compared_in_the_profiles_unit(
    simulator: SimulatorHandle,
    sim_client: httpx.Client,
    notes: list[dict[str, object]],
    precision: str,
    compare: str,
    cut: int,
) -> None:
    """modifiedAfter keeps the records later (or not earlier) in whole units of the precision."""
    simulator.profile = ServerProfile(after_precision=precision, after_compare=compare)
    after = str(notes[len(notes) // 2]["modifiedTime"])
    expected = {
        n["id"] for n in notes
        if (str(n["modifiedTime"])[:cut] > after[:cut]) or
        (compare == "at_or_after" and str(n["modifiedTime"])[:cut] == after[:cut])
    }  # fmt: skip
    got = _ids(sim_client, sortBy="modifiedTime", sortDirection="asc", modifiedAfter=after)
    assert set(got) == expected and len(got) == len(expected)


def test_an_ignored_sort_answers_newest_first(
    simulator: SimulatorHandle, sim_client: httpx.Client
) -> None:
    """With sort ignored, an ascending sort on modifiedTime still comes newest first."""
    simulator.profile = ServerProfile(sort="ignored")
    got = _ids(sim_client, sortBy="modifiedTime", sortDirection="asc")
    assert got == _ids(sim_client)
    simulator.profile = ServerProfile()
    assert got != _ids(sim_client, sortBy="modifiedTime", sortDirection="asc")


def test_a_scanning_server_answers_like_an_indexed_one(
    simulator: SimulatorHandle, sim_client: httpx.Client, notes: list[dict[str, object]]
) -> None:
    """Query cost changes the work behind an answer, never the answer."""
    after = str(notes[len(notes) // 3]["modifiedTime"])
    queries = [{}, {"sortBy": "modifiedTime", "sortDirection": "asc", "modifiedAfter": after}]
    indexed = [_ids(sim_client, **q) for q in queries]
    simulator.profile = ServerProfile(query_cost="scan")
    assert [_ids(sim_client, **q) for q in queries] == indexed


def test_the_admin_route_switches_the_profile(simulator: SimulatorHandle) -> None:
    """PUT /_simulator/profile changes it, a bad value is a 400, reset restores it."""
    with httpx.Client(base_url=simulator.admin_url) as admin:
        answer = admin.put("/profile", json={"after_precision": "second"})
        assert answer.json()["after_precision"] == "second"
        assert admin.put("/profile", json={"sort": "sometimes"}).status_code == 400
        admin.post("/reset")
        assert admin.get("/profile").json() == ServerProfile().describe()
