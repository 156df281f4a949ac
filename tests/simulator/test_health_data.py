"""Health that moves: Pulses trend per client, dispositions follow scores, and `drift` changes
the tenant between two syncs (scores, dispositions, renewals, lapses, contact roles)."""

from __future__ import annotations

import itertools
from collections import defaultdict

import httpx

from clientsuccess_connector.simulator import SimulatorHandle, vocab
from clientsuccess_connector.simulator.health import disposition_level, drift
from clientsuccess_connector.simulator.store import Store


def test_pulses_trend_and_dispositions_follow_scores() -> None:
    """Each client's Pulses chain their scores in time order; its successScore is the newest."""
    store = Store(60, 5)
    by_client = defaultdict(list)
    for pulse in store.records("pulses"):
        level = disposition_level(pulse["currentScore"])
        assert pulse["dispositionType"] == vocab.DISPOSITIONS[level]
        assert pulse["dispositionId"] == level + 1
        by_client[pulse["clientId"]].append(pulse)
    moved = 0
    for client in store.records("clients"):
        pulses = sorted(by_client[client["id"]], key=lambda p: p["createdTimestamp"])
        for before, after in itertools.pairwise(pulses):
            assert after["startingScore"] == before["currentScore"]
        if pulses and client["successScore"] is not None:
            assert client["successScore"] == pulses[-1]["currentScore"]
            moved += abs(pulses[-1]["currentScore"] - pulses[0]["startingScore"]) >= 15
    assert moved >= 10
    assert len({p["dispositionType"] for p in store.records("pulses")}) == 6
    contracts = store.records("contracts")
    assert any(k["renewedBy"] for k in contracts) and any(k["renews"] for k in contracts)


def test_drift_moves_health_deterministically(simulator: SimulatorHandle) -> None:
    """`POST /_simulator/drift` moves success scores; contracts renew or lapse; contacts
    change title; the same seed drifts the same clients."""
    store = simulator.store
    before = {c["id"]: c for c in store.records("clients")}
    pulses = store.count("pulses")
    with httpx.Client(base_url=simulator.base_url) as http:
        changed = http.post("/_simulator/drift", json={"share": 0.5}).json()["changed"]
    assert changed["clients"] > 10 and changed["contracts"] > 0 and changed["contacts"] > 0
    assert store.count("pulses") == pulses
    after = {c["id"]: c for c in store.records("clients")}
    touched = {cid for cid in after if after[cid]["modifiedTime"] != before[cid]["modifiedTime"]}
    assert len(touched) == changed["clients"]
    contracts = store.records("contracts")
    assert any(k["renews"] and k["createdTime"] > "2025-07" for k in contracts)
    twin = Store(simulator.store.clients_count, simulator.store.seed)
    drift(twin, 0.5)
    twin_touched = {
        c["id"]
        for c in twin.records("clients")
        if c["modifiedTime"] != before[c["id"]]["modifiedTime"]
    }
    assert twin_touched == touched
