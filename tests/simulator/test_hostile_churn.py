"""Churn (records change, appear and vanish while a client pages) works under every hostile
setting, and its changes follow the setting: server-clock stamps, never null, lagging."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.simulator.hostile import SEEDED_BEFORE
from clientsuccess_connector.simulator.timefmt import parse_micros

HOSTILE = {
    "page_cap": {"page_cap": 5},
    "null_stamps": {"null_stamps": 30},
    "clock_offset": {"clock_offset": -600},
    "visibility_lag": {"visibility_lag": 600},
    "duplicates": {"duplicates": 20, "duplicate_copy": "older"},
}


def _rows(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every row of a search, page by page until `last` (at most 500 pages)."""
    rows: list[dict[str, Any]] = []
    for page in range(500):
        body = client.get("/clientNote/search", params={**params, "page": page}).json()
        assert isinstance(body["data"], list) and body["page"] == page
        rows += body["data"]
        if body["last"]:
            return rows
    raise AssertionError("the search never ended")


@pytest.mark.parametrize("settings", HOSTILE.values(), ids=HOSTILE.keys())
def test_churn_under_each_hostile_setting(
    simulator: SimulatorHandle, sim_client: httpx.Client, settings: dict[str, Any]
) -> None:
    """Churn on every page after the first; afterwards every changed note carries a stamp of
    the server's clock, and a search after the seed shows exactly the changed notes (none yet
    on a lagging replica)."""
    httpx.put(simulator.admin_url + "/profile", json=settings).raise_for_status()
    offset = settings.get("clock_offset", 0)
    simulator.faults.configure(churn_rate=1.0, churn_modify=3, churn_create=2, churn_delete=1)
    started = time.time()
    _rows(sim_client, size=20)
    simulator.faults.off()
    assert simulator.stats.faults("churn") >= 5
    changed = {
        n["id"]: n for n in simulator.store.records("client_notes")
        if n["modifiedTime"] >= SEEDED_BEFORE
    }  # fmt: skip
    assert changed
    for note in changed.values():
        micros = parse_micros(note["modifiedTime"])
        assert micros is not None
        assert started + offset - 1 <= micros / 1e6 <= time.time() + offset + 1
    seen = _rows(sim_client, size=50, modifiedAfter=SEEDED_BEFORE)
    if "visibility_lag" in settings:
        assert seen == []
        httpx.put(simulator.admin_url + "/profile", json={}).raise_for_status()
        seen = _rows(sim_client, size=50, modifiedAfter=SEEDED_BEFORE)
    assert {n["id"] for n in seen} == set(changed)
    assert all(n["modifiedTime"] is not None for n in seen)
