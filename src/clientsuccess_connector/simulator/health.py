"""Health that moves: each client's Pulses follow a trend, and `drift` changes the tenant later.

`shape` runs once on freshly generated data with its own seeded RNG (so every other field stays
as `datagen` made it): a client's Pulses, in time order, walk from a starting score along the
client's trend; each Pulse's disposition follows its score; the client's `successScore` is its
newest Pulse's; a renewal is recorded on the contract it renews (`renewedBy`), and contracts of
terminated clients end on the day the client left. `drift` is time passing between two syncs:
success scores move, contracts renew or lapse, contacts change role, all through the store with
fresh write times, so an incremental sync sees them.
"""

from __future__ import annotations

import copy
import random
from collections import defaultdict
from typing import Any

from clientsuccess_connector.simulator import vocab
from clientsuccess_connector.simulator.datagen import DAY_MS, END_MS, contract_ref
from clientsuccess_connector.simulator.timefmt import fmt_date, fmt_ms, parse_micros

Record = dict[str, Any]
_SALT = 0x4EA17
_DRIFT_SALT = 0xD41F7


def disposition_level(score: float) -> int:
    """Index in `vocab.DISPOSITIONS` a score reads as: 85+ extremely satisfied ... <20 severe."""
    for level, floor in enumerate((85.0, 70.0, 55.0, 40.0, 20.0)):
        if score >= floor:
            return level
    return 5


def _set_score(pulse: Record, previous: float, score: float) -> None:
    score = round(score, 1)
    level = disposition_level(score)
    pulse["startingScore"] = round(previous, 1)
    pulse["currentScore"] = round(score, 1)
    pulse["totalScoreChange"] = pulse["lastScoreChange"] = round(score - previous, 1)
    pulse["dispositionType"] = vocab.DISPOSITIONS[level]
    pulse["dispositionId"] = level + 1
    if level < 3:
        pulse["reasonCodes"] = []
        pulse["nextSteps"] = None


def _ms(stamp: str) -> int:
    micros = parse_micros(stamp)
    return 0 if micros is None else micros // 1000


def shape(out: dict[str, list[Record]], seed: int) -> None:
    """Give generated data trends (in place); deterministic for `seed`."""
    rng = random.Random(seed ^ _SALT)
    by_client: dict[int, list[Record]] = defaultdict(list)
    for pulse in out["pulses"]:
        by_client[pulse["clientId"]].append(pulse)
    for client in out["clients"]:
        pulses = by_client.get(client["id"], [])
        _space(pulses, _ms(client["createdTime"]), rng)
        pulses.sort(key=lambda p: p["createdTimestamp"])
        score = 45.0 + rng.random() * 50.0
        trend = rng.gauss(0.0, 6.0)  # points per Pulse: most clients steady, some slide
        for pulse in pulses:
            previous = score
            score = min(100.0, max(0.0, score + trend + rng.gauss(0.0, 5.0)))
            _set_score(pulse, previous, score)
        if client["successScore"] is not None and pulses:
            client["successScore"] = round(score, 1)
    contracts = {k["id"]: k for k in out["contracts"]}
    clients = {c["id"]: c for c in out["clients"]}
    for contract in out["contracts"]:
        renews = contract.get("renews")
        if renews and renews["id"] in contracts:
            contracts[renews["id"]]["renewedBy"] = contract_ref(contract)
        owner = clients.get(contract["tenantClientId"])
        left = owner.get("terminatedDate") if owner else None
        if left and contract["termStartDate"] <= left <= contract["termEndDate"]:
            contract["terminatedDate"] = contract["terminatedEffectiveDate"] = left


def _space(pulses: list[Record], created_ms: int, rng: random.Random) -> None:
    """Pulses as periodic check-ins: every 3 to 7 weeks, the newest a few weeks (for some
    clients, months) before the data ends, none before the client existed."""
    every = int((21 + rng.random() * 28) * DAY_MS)
    newest = END_MS - int(rng.expovariate(1 / 35) * DAY_MS)
    for back, pulse in enumerate(reversed(pulses)):
        at = max(created_ms, newest - back * every) + int(rng.random() * 3_600_000)
        pulse["createdTimestamp"] = fmt_ms(at)


def drift(store: Any, share: float = 0.2) -> dict[str, int]:
    """Move the tenant's health on (about `share` of the clients); returns changes per resource.

    `store` is the simulator's `Store`; every write gets a fresh write time from its clock, so
    an incremental sync reads it. Pulses are not added: they would be dated today, years after
    the seeded ones, and every other client would look silent since."""
    counts = {"clients": 0, "contracts": 0, "contacts": 0}
    clock = store.clock
    with store.lock:
        rng = random.Random(store.seed ^ _DRIFT_SALT ^ store.resource("clients").version)
        clients = store.resource("clients").records
        contracts_of: dict[int, list[Record]] = defaultdict(list)
        for contract in store.resource("contracts").records.values():
            contracts_of[contract["tenantClientId"]].append(contract)
        contacts_of: dict[int, list[Record]] = defaultdict(list)
        for contact in store.resource("contacts").records.values():
            contacts_of[contact["tenantClientId"]].append(contact)
        for cid in sorted(clients):
            if rng.random() >= share or clients[cid].get("status") == "TERMINATED":
                continue
            client = copy.deepcopy(clients[cid])
            now_ms = clock.tick_ms()
            before = client.get("successScore")
            start = before if isinstance(before, int | float) else 60.0
            after = min(100.0, max(0.0, start + rng.gauss(-4.0, 12.0)))
            client["successScore"] = round(after, 1)
            client["modifiedTime"] = clock.tick()
            store.put("clients", client)
            counts["clients"] += 1
            live = [k for k in contracts_of[cid] if k.get("terminatedDate") is None]
            if live and rng.random() < 0.5:
                newest = max(live, key=lambda k: k["termEndDate"])
                counts["contracts"] += _renew_or_lapse(store, clock, newest, after, now_ms)
            people = sorted(contacts_of[cid], key=lambda p: p["id"])
            if people and rng.random() < 0.5:
                contact = copy.deepcopy(people[0])
                contact["title"] = vocab.TITLES[int(rng.random() * len(vocab.TITLES))]
                contact["modifiedTime"] = clock.tick()
                store.put("contacts", contact)
                counts["contacts"] += 1
    return counts


def _renew_or_lapse(store: Any, clock: Any, contract: Record, score: float, now_ms: int) -> int:
    """A healthy client renews its newest contract; an unhealthy one lets it lapse."""
    old = copy.deepcopy(contract)
    if score < 40.0:
        old["terminatedDate"] = old["terminatedEffectiveDate"] = fmt_date(now_ms)
        old["modifiedTime"] = clock.tick()
        store.put("contracts", old)
        return 1
    new = copy.deepcopy(contract)
    new["id"] = store.new_id("contracts")
    new["uuid"] = store.new_uuid()
    start = max(_ms(old["termEndDate"] + "T00:00:00.000Z"), now_ms)
    months = int(new["termLengthMonths"] or 12)
    new["termStartDate"] = new["bookingDate"] = fmt_date(start)
    new["termEndDate"] = fmt_date(start + months * 30 * DAY_MS)
    new["renews"] = contract_ref(old)
    new["renewedBy"] = None
    new["items"] = [
        {**item, "id": store.new_id("contract_items"), "uuid": store.new_uuid(),
         "tenantContractId": new["id"], "termStartDate": new["termStartDate"],
         "termEndDate": new["termEndDate"]}
        for item in old.get("items") or []
    ]  # fmt: skip
    new["createdTime"] = new["modifiedTime"] = clock.tick()
    store.put("contracts", new)
    old["renewedBy"] = contract_ref(new)
    old["modifiedTime"] = clock.tick()
    store.put("contracts", old)
    return 2
