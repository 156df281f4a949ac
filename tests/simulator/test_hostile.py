"""Hostile servers, seen from the outside over HTTP: a page-size cap, null stamps, a clock
offset and its Date header, a lagging replica, duplicate rows and a transient empty answer."""

from __future__ import annotations

import math
import socket
import time
from collections import Counter
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.simulator import server as server_module
from clientsuccess_connector.simulator.app import SimulatorApp
from clientsuccess_connector.simulator.profile import ServerProfile
from clientsuccess_connector.simulator.timefmt import parse_micros

Page = dict[str, Any]


def _profile(sim: SimulatorHandle, **settings: object) -> dict[str, Any]:
    """PUT /_simulator/profile: the other settings go back to the start-up profile."""
    answer = httpx.put(sim.admin_url + "/profile", json=settings)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _pages(client: httpx.Client, path: str = "/clientNote/search", **params: Any) -> list[Page]:
    """Every page of a search, by page number until `last`."""
    out: list[Page] = []
    while True:
        body = client.get(path, params={**params, "page": len(out)}).json()
        out.append(body)
        if body["last"]:
            return out


def _rows(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    return [row for page in _pages(client, **params) for row in page["data"]]


def _ms(stamp: str) -> int:
    micros = parse_micros(stamp)
    assert micros is not None
    return micros // 1000


def test_a_capped_server_serves_at_most_page_cap_and_says_so(
    simulator: SimulatorHandle, sim_client: httpx.Client
) -> None:
    """page_cap 7: `size=50` answers 7 records, the envelope echoes size 7 and totalPages is
    counted from 7; reading every page by its number still yields every record once."""
    total = simulator.store.count("client_notes")
    assert _profile(simulator, page_cap=7)["page_cap"] == "7"
    first = sim_client.get("/clientNote/search", params={"size": 50}).json()
    assert (len(first["data"]), first["size"]) == (7, 7)
    assert first["totalPages"] == math.ceil(total / 7) and first["totalElements"] == total
    ids = [r["id"] for r in _rows(sim_client, size=50)]
    assert len(ids) == len(set(ids)) == total
    small = sim_client.get("/clientNote/search", params={"size": 3}).json()
    assert (len(small["data"]), small["size"]) == (3, 3)  # below the cap: as asked
    _profile(simulator, page_cap=7, counts="missing")
    bare = sim_client.get("/clientNote/search", params={"size": 50}).json()
    assert (len(bare["data"]), bare["size"]) == (7, 7) and "totalPages" not in bare
    _profile(simulator)
    assert sim_client.get("/clientNote/search", params={"size": 50}).json()["size"] == 50


def test_null_stamps_are_null_sorted_last_and_never_match_modified_after(
    simulator: SimulatorHandle, sim_client: httpx.Client
) -> None:
    """null_stamps 25: about a quarter of the seeded notes read modifiedTime null, in searches
    and single GETs, always the same ones for the seed; sorted on it they come last either way;
    modifiedAfter never returns them; a write stamps one anew."""
    total = simulator.store.count("client_notes")
    _profile(simulator, null_stamps=25)
    for direction in ("asc", "desc"):
        rows = _rows(sim_client, sortBy="modifiedTime", sortDirection=direction, size=40)
        stamps = [r["modifiedTime"] for r in rows]
        nulls = stamps.count(None)
        assert len(rows) == total and 0.1 * total < nulls < 0.4 * total
        assert stamps[len(stamps) - nulls :] == [None] * nulls  # nulls last
        real = stamps[: len(stamps) - nulls]
        assert real == sorted(real, reverse=direction == "desc")
    null_ids = {r["id"] for r in rows if r["modifiedTime"] is None}
    after = _rows(
        sim_client, sortBy="modifiedTime", sortDirection="asc", modifiedAfter="2000-01-01"
    )
    assert len(after) == total - len(null_ids) and not null_ids & {r["id"] for r in after}
    some = min(null_ids)
    assert sim_client.get(f"/clientNote/{some}").json()["modifiedTime"] is None
    patched = sim_client.patch(f"/clientNote/{some}", json={"subject": "stamped"}).json()
    assert patched["modifiedTime"] is not None
    assert sim_client.get(f"/clientNote/{some}").json()["modifiedTime"] == patched["modifiedTime"]
    simulator.reset()
    _profile(simulator, null_stamps=25)
    again = _rows(sim_client, size=100)
    assert {r["id"] for r in again if r["modifiedTime"] is None} == null_ids  # by seed


def test_the_server_clock_offset_stamps_writes_and_dates_answers(
    simulator: SimulatorHandle, sim_client: httpx.Client
) -> None:
    """clock_offset -3600: a new note is stamped an hour behind real time, and every answer
    carries exactly one Date header, from that clock; by default the Date is real time."""
    cid = simulator.store.records("clients")[0]["id"]

    def dated(answer: httpx.Response) -> float:
        assert len(answer.headers.get_list("date")) == 1
        return parsedate_to_datetime(answer.headers["date"]).timestamp()

    before = time.time()
    plain = sim_client.get("/clientNote/search", params={"size": 1})
    assert before - 1 <= dated(plain) <= time.time() + 1
    _profile(simulator, clock_offset=-3600)
    before = time.time()
    made = sim_client.post("/clientNote", json={"clientId": cid, "note": "n"})
    after = time.time()
    stamp = _ms(made.json()["modifiedTime"]) / 1000
    assert before - 3600.001 <= stamp <= after - 3600  # stamps are whole milliseconds
    assert _ms(made.json()["createdTime"]) / 1000 == stamp
    assert before - 3601 <= dated(made) <= after - 3599
    assert before - 3601 <= dated(httpx.get(simulator.admin_url + "/info")) <= time.time() - 3599
    _profile(simulator, clock_offset=120)
    ahead = sim_client.patch(f"/clientNote/{made.json()['id']}", json={"subject": "s"}).json()
    assert _ms(ahead["modifiedTime"]) / 1000 >= after + 119  # follows the new clock at once


def test_a_lagging_replica_shows_a_change_only_lag_seconds_after_its_stamp(
    simulator: SimulatorHandle, sim_client: httpx.Client
) -> None:
    """visibility_lag 3600: a new note is in GET but not yet in searches; an updated one is
    searched in its earlier version and a deleted one is still listed; with the lag gone every
    change shows (the stamp is T, the change is visible from T + lag)."""
    cid = simulator.store.records("clients")[0]["id"]
    _profile(simulator, visibility_lag=3600)
    before = {r["id"]: r for r in _rows(sim_client, size=100)}
    old, gone = sorted(before)[:2]
    made = sim_client.post("/clientNote", json={"clientId": cid, "note": "n"}).json()
    changed = sim_client.patch(f"/clientNote/{old}", json={"subject": "new"}).json()
    assert sim_client.delete(f"/clientNote/{gone}").status_code == 204
    assert sim_client.get(f"/clientNote/{made['id']}").status_code == 200  # the primary
    lagging = {r["id"]: r for r in _rows(sim_client, size=100)}
    assert lagging == before  # no change visible yet
    assert not _rows(sim_client, modifiedAfter=changed["modifiedTime"][:10])
    _profile(simulator)
    now = {r["id"]: r for r in _rows(sim_client, size=100)}
    assert set(now) == set(before) - {gone} | {made["id"]}
    assert now[old] == changed and now[made["id"]] == made


@pytest.mark.parametrize("copy", ["same", "older"])
def test_duplicate_rows_are_listed_and_counted(
    simulator: SimulatorHandle, sim_client: httpx.Client, copy: str
) -> None:
    """duplicates 10: about a tenth of the notes come twice, as rows totalElements counts; with
    `older` the second row's modifiedTime is one hour earlier, with `same` it is a copy."""
    total = simulator.store.count("client_notes")
    _profile(simulator, duplicates=10, duplicate_copy=copy)
    pages = _pages(sim_client, size=25)
    rows = [r for p in pages for r in p["data"]]
    twice = [rid for rid, n in Counter(r["id"] for r in rows).items() if n == 2]
    assert 0.04 * total < len(twice) < 0.2 * total
    assert len(rows) == pages[0]["totalElements"] == total + len(twice)
    assert len({r["id"] for r in rows}) == total
    for rid in twice:
        first, second = (r for r in rows if r["id"] == rid)
        newer, older = sorted([first, second], key=lambda r: str(r["modifiedTime"]), reverse=True)
        if copy == "same":
            assert first == second
        else:
            gap = _ms(newer["modifiedTime"]) - _ms(older["modifiedTime"])
            assert gap == 3_600_000 and {**older, "modifiedTime": newer["modifiedTime"]} == newer
            assert newer == sim_client.get(f"/clientNote/{rid}").json()


def test_an_empty_budget_answers_well_formed_empty_pages(
    simulator: SimulatorHandle, sim_client: httpx.Client
) -> None:
    """Two `empty` faults on search_clients: the next two client searches answer 200 with no
    data and totalElements 0 (an index being rebuilt); other routes and the third are whole."""
    clients = simulator.store.count("clients")
    answer = httpx.post(
        simulator.admin_url + "/faults/next",
        json={"kind": "empty", "count": 2, "route": "search_clients"},
    )
    assert answer.status_code == 200 and answer.json()["pending"][0]["kind"] == "empty"
    assert sim_client.get("/clientNote/search").json()["totalElements"] > 0
    for page in (0, 1):
        empty = sim_client.get("/client/search", params={"page": page, "size": 10})
        body = empty.json()
        assert empty.status_code == 200 and body["data"] == []
        assert (body["totalElements"], body["totalPages"], body["last"]) == (0, 0, True)
        assert (body["first"], body["page"], body["size"]) == (page == 0, page, 10)
    assert sim_client.get("/client/search").json()["totalElements"] == clients
    assert simulator.stats.faults("empty") == 2
    simulator.faults.next("empty")  # any search route
    assert sim_client.get("/contact/search").json()["data"] == []
    assert (
        sim_client.get(f"/client/{simulator.store.records('clients')[0]['id']}").status_code == 200
    )


def test_int_settings_are_checked(simulator: SimulatorHandle) -> None:
    """The integer settings take numbers or their text; out of range is a 400 naming it."""
    assert _profile(simulator, page_cap="50", clock_offset=-5)["page_cap"] == "50"
    for bad in ({"null_stamps": 101}, {"page_cap": -1}, {"duplicates": "many"},
                {"visibility_lag": 1.5}, {"duplicate_copy": "newer"}):  # fmt: skip
        answer = httpx.put(simulator.admin_url + "/profile", json=bad)
        assert answer.status_code == 400 and next(iter(bad)) in answer.json()["message"]


def test_the_default_profile_has_every_hostile_setting_off(simulator: SimulatorHandle) -> None:
    """GET /_simulator/profile describes the new settings, all off, as text."""
    described = httpx.get(simulator.admin_url + "/profile").json()
    assert {k: described[k] for k in ("page_cap", "null_stamps", "clock_offset",
            "visibility_lag", "duplicates", "duplicate_copy")} == {
        "page_cap": "0", "null_stamps": "0", "clock_offset": "0", "visibility_lag": "0",
        "duplicates": "0", "duplicate_copy": "same"}  # fmt: skip


def test_a_server_may_echo_the_size_asked_not_the_size_used(
    simulator: SimulatorHandle, sim_client: httpx.Client
) -> None:
    """size_echo asked: a capped page says `size: 50` while holding 7 records; totalPages is
    still the server's own, counted from 7."""
    total = simulator.store.count("client_notes")
    _profile(simulator, page_cap=7, size_echo="asked")
    body = sim_client.get("/clientNote/search", params={"size": 50}).json()
    assert (len(body["data"]), body["size"], body["totalPages"]) == (7, 50, math.ceil(total / 7))


def test_a_random_lag_spread_shows_changes_out_of_stamp_order(
    simulator: SimulatorHandle, sim_client: httpx.Client
) -> None:
    """lag_spread random: each change waits its own seeded share of the lag. With the server's
    clock then moved half the lag ahead, some new notes show and some do not, a later-stamped
    one before an earlier one, and always the same ones for the seed."""
    cid = simulator.store.records("clients")[0]["id"]
    _profile(simulator, visibility_lag=3600, lag_spread="random")
    made = [sim_client.post("/clientNote", json={"clientId": cid, "note": str(n)}).json()
            for n in range(20)]  # fmt: skip
    assert not _rows(sim_client, size=100, modifiedAfter=made[0]["createdTime"][:10])
    _profile(simulator, visibility_lag=3600, lag_spread="random", clock_offset=1800)
    seen = {r["id"] for r in _rows(sim_client, size=100, modifiedAfter=made[0]["createdTime"][:10])}
    shown = [n["id"] in seen for n in made]  # in stamp order
    assert 0 < sum(shown) < len(shown) and shown != sorted(shown, reverse=True)
    _profile(simulator, visibility_lag=3600, lag_spread="fixed", clock_offset=1800)
    assert not _rows(sim_client, size=100, modifiedAfter=made[0]["createdTime"][:10])
    _profile(simulator, visibility_lag=3600, lag_spread="random", clock_offset=1800)
    again = {
        r["id"] for r in _rows(sim_client, size=100, modifiedAfter=made[0]["createdTime"][:10])
    }
    assert again == seen


def test_simulate_flags_set_the_hostile_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    """`simulate --page-cap 50 --null-stamps 10 ...` starts with exactly that profile."""
    started: list[ServerProfile] = []

    def serve(app: SimulatorApp, sock: socket.socket) -> None:
        started.append(app.profile)
        sock.close()

    monkeypatch.setattr(server_module, "serve", serve)  # `simulate` imports it when it runs
    args = ["simulate", "--port", "0", "--clients", "1", "--page-cap", "50", "--size-echo",
            "asked", "--null-stamps", "10", "--clock-offset", "-300", "--visibility-lag", "60",
            "--lag-spread", "random", "--duplicates", "5", "--duplicate-copy", "older"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert started == [
        ServerProfile(page_cap=50, size_echo="asked", null_stamps=10, clock_offset=-300,
                      visibility_lag=60, lag_spread="random", duplicates=5, duplicate_copy="older")
    ]  # fmt: skip
