"""Seeded data: deterministic, realistic shapes, catalogue-driven routes."""

from __future__ import annotations

import re

import httpx

from clientsuccess_connector.catalog import catalog
from clientsuccess_connector.simulator import (
    SimulatorConfig,
    SimulatorHandle,
    build_app,
    run_simulator,
)
from clientsuccess_connector.simulator.handlers import HANDLERS
from clientsuccess_connector.simulator.store import Store

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_same_seed_same_data() -> None:
    """(clients, seed) fixes every record; another seed differs."""
    a, b, c = Store(20, 3), Store(20, 3), Store(20, 4)
    for name in ("clients", "contacts", "contracts", "pulses", "client_notes"):
        assert a.records(name) == b.records(name)
    assert a.records("clients") != c.records("clients")


def test_record_shapes(shared_simulator: SimulatorHandle) -> None:
    """Timestamps, nesting, unicode, HTML and nulls as the reference describes."""
    store = shared_simulator.store
    clients = store.records("clients")
    assert all(TS.match(c["createdTime"]) and TS.match(c["modifiedTime"]) for c in clients)
    assert all(c["modifiedTime"] < "2025-07-01" for c in clients)
    assert any(any(ord(ch) > 0x3000 for ch in c["name"]) for c in clients)
    assert all(k.endswith("__cs") for c in clients for k in c["custom"])
    assert any(c["successScore"] is None for c in clients)
    assert clients[0]["managedByEmployee"].keys() >= {"id", "firstname", "lastname", "email"}
    contracts = store.records("contracts")
    assert all(1 <= len(k["items"]) <= 4 for k in contracts)
    assert all(i["tenantContractId"] == k["id"] for k in contracts for i in k["items"])
    notes = store.records("client_notes")
    assert any("&amp;" in n["note"] and "&" in n["sanitizedNote"] for n in notes)
    pulses = store.records("pulses")
    assert any(p["reasonCodes"] for p in pulses)
    n = len(clients)
    assert 3 * n <= store.count("contacts") <= 5 * n
    assert 6 * n <= len(notes) <= 10 * n


def test_custom_fields_bare_array(shared_client: httpx.Client) -> None:
    """GET /customfield/all/{type} is a bare array; unknown types are 400."""
    fields = shared_client.get("/customfield/all/CLIENT").json()
    assert isinstance(fields, list) and all(f["fieldId"] for f in fields)
    assert any(f["picklistValues"] for f in fields)
    assert shared_client.get("/customfield/all/EMPLOYEE", params={"system": "true"}).json() == []
    r = shared_client.get("/customfield/all/NOPE")
    assert r.status_code == 400 and r.json()["field"] == "resourceType"


def test_single_gets(shared_client: httpx.Client, shared_simulator: SimulatorHandle) -> None:
    """Single GETs return the bare object, 404 JSON when absent."""
    contact = shared_simulator.store.records("contacts")[0]
    assert shared_client.get(f"/contact/{contact['uuid']}").json()["id"] == contact["id"]
    contract = shared_simulator.store.records("contracts")[0]
    assert shared_client.get(f"/contract/{contract['id']}").json() == contract
    r = shared_client.get("/client/00000000-0000-0000-0000-000000000000")
    assert r.status_code == 404 and r.json()["status"] == 404


def test_every_catalogue_template_has_a_handler() -> None:
    """Routes come from the catalogue; each template name has its handler."""
    assert set(catalog()) <= set(HANDLERS)


def test_asgi_app_works_with_httpx_transport() -> None:
    """The ASGI app can be mounted as an httpx transport (no server)."""
    app = build_app(SimulatorConfig(clients=2))
    # httpx's sync client cannot drive ASGI; use the async one, on a thread of its own: this
    # thread may already run an event loop (Playwright's sync API, when the studio's browser
    # tests share the session).
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def go() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
            r = await client.get("/v2/client/search", headers={"X-API-Key": "sim-api-key"})
            return int(r.json()["totalElements"])

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, go()).result(timeout=60) == 2


def test_run_simulator_keyword_overrides() -> None:
    """run_simulator accepts keyword overrides and serves on a free loopback port."""
    with run_simulator(clients=1, api_key="k") as sim:
        assert sim.base_url.startswith("http://127.0.0.1:")
        assert (
            httpx.get(sim.v2_url + "/client/search", headers={"X-API-Key": "k"}).status_code == 200
        )
        assert sim.env()["CLIENTSUCCESS_API_KEY"] == "k"
