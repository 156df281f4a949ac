"""Fault injection: every kind, budgets and targeting, rates, admin routes, churn."""

from __future__ import annotations

import httpx
import pytest

from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator


def test_429_with_retry_after(simulator: SimulatorHandle, sim_client: httpx.Client) -> None:
    """A forced 429 carries Retry-After; the next request succeeds."""
    simulator.faults.configure(retry_after=0)
    simulator.faults.next("429")
    r = sim_client.get("/client/search")
    assert r.status_code == 429 and r.headers["retry-after"] == "0"
    assert r.json()["status"] == 429
    assert sim_client.get("/client/search").status_code == 200
    assert simulator.stats.faults("429") == 1


def test_503_is_an_html_maintenance_page(
    simulator: SimulatorHandle, sim_client: httpx.Client
) -> None:
    """503 answers with HTML, not JSON."""
    simulator.faults.next("503", 2)
    for _ in range(2):
        r = sim_client.get("/contact/search")
        assert r.status_code == 503 and "text/html" in r.headers["content-type"]
        assert "System Maintenance" in r.text
    assert sim_client.get("/contact/search").status_code == 200


def test_drop_closes_the_connection_mid_body(
    simulator: SimulatorHandle, sim_client: httpx.Client
) -> None:
    """Headers and part of the body arrive, then the connection closes."""
    simulator.faults.next("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        sim_client.get("/clientNote/search")
    assert sim_client.get("/clientNote/search").status_code == 200


def test_drop_after_a_write_acted(simulator: SimulatorHandle, sim_client: httpx.Client) -> None:
    """A dropped POST has still created the record: retrying a POST is not safe."""
    before = simulator.store.count("client_notes")
    simulator.faults.next("drop", method="POST")
    cid = simulator.store.records("clients")[0]["id"]
    with pytest.raises(httpx.RemoteProtocolError):
        sim_client.post("/clientNote", json={"clientId": cid, "note": "once"})
    assert simulator.store.count("client_notes") == before + 1


def test_503_on_a_write_does_not_act(simulator: SimulatorHandle, sim_client: httpx.Client) -> None:
    """429 and 503 come before the write acts."""
    before = simulator.store.count("client_notes")
    simulator.faults.next("503", route="create_client_note")
    cid = simulator.store.records("clients")[0]["id"]
    assert sim_client.post("/clientNote", json={"clientId": cid, "note": "x"}).status_code == 503
    assert simulator.store.count("client_notes") == before


def test_truncated_json(simulator: SimulatorHandle, sim_client: httpx.Client) -> None:
    """A complete 200 response whose JSON is cut short."""
    simulator.faults.next("truncate")
    r = sim_client.get("/client/search")
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()


def test_targeting_by_route_and_skip(simulator: SimulatorHandle, sim_client: httpx.Client) -> None:
    """A budget hits only its route, after skipping the given number of matching requests."""
    simulator.faults.next("503", route="search_contacts", skip=1)
    assert sim_client.get("/client/search").status_code == 200
    assert sim_client.get("/contact/search").status_code == 200
    assert sim_client.get("/contact/search").status_code == 503
    assert sim_client.get("/contact/search").status_code == 200


def test_forced_401_revokes_the_session_token(simulator: SimulatorHandle) -> None:
    """The 401 kind answers invalid_token and the token stays dead; a new login works."""
    creds = {"username": simulator.username, "password": simulator.password}
    token = httpx.post(simulator.auth_url, data=creds).json()["access_token"]
    simulator.faults.next("401", route="search_clients")
    url = simulator.v2_url + "/client/search"
    assert httpx.get(url, headers={"Authorization": token}).status_code == 401
    assert httpx.get(url, headers={"Authorization": token}).status_code == 401
    fresh = httpx.post(simulator.auth_url, data=creds).json()["access_token"]
    assert httpx.get(url, headers={"Authorization": fresh}).status_code == 200


def test_seeded_rates_repeat_exactly() -> None:
    """The same fault seed gives the same fault sequence."""
    runs = []
    for _ in range(2):
        with run_simulator(
            SimulatorConfig(clients=3, fault_rate=0.5, fault_seed=4, retry_after=0)
        ) as sim:
            statuses = []
            with httpx.Client(base_url=sim.v2_url, headers={"X-API-Key": sim.api_key}) as c:
                for _ in range(30):
                    try:
                        r = c.get("/product/search")
                        ok = r.status_code == 200
                        if ok:
                            r.json()
                        statuses.append(r.status_code)
                    except (httpx.TransportError, ValueError) as exc:
                        statuses.append(type(exc).__name__)
            runs.append(statuses)
    assert runs[0] == runs[1]
    assert len(set(runs[0])) >= 3


def test_latency(simulator: SimulatorHandle, sim_client: httpx.Client) -> None:
    """Latency settings are applied and reported (timings are not asserted)."""
    simulator.faults.configure(latency_ms=5, spike_rate=0.5, spike_ms=5)
    assert sim_client.get("/product/search").status_code == 200
    assert simulator.faults.settings.latency_ms == 5
    simulator.faults.off()
    assert simulator.faults.settings.latency_ms == 0


def test_admin_routes(simulator: SimulatorHandle) -> None:
    """Faults, stats and reset are controllable over HTTP without credentials."""
    admin = simulator.admin_url
    r = httpx.put(admin + "/faults", json={"retry_after": 0, "next": [{"kind": "429", "count": 1}]})
    assert r.status_code == 200 and r.json()["pending"][0]["kind"] == "429"
    url = simulator.v2_url + "/product/search"
    headers = {"X-API-Key": simulator.api_key}
    assert httpx.get(url, headers=headers).status_code == 429
    httpx.post(admin + "/faults/next", json={"kind": "503", "route": "search_products"})
    assert httpx.get(url, headers=headers).status_code == 503
    stats = httpx.get(admin + "/stats").json()
    assert stats["requests"]["search_products"] == {"429": 1, "503": 1}
    assert stats["faults"] == {"429": 1, "503": 1}
    httpx.post(
        simulator.v2_url + "/client",
        headers=headers,
        json={"name": "N", "status": "ACTIVE", "active": True},
    )
    assert httpx.post(admin + "/reset").json() == {"reset": True}
    assert simulator.store.count("clients") == 30
    assert httpx.get(admin + "/stats").json()["total"] == 0
    assert httpx.put(admin + "/faults", json={"nope": 1}).status_code == 400
    assert httpx.post(admin + "/tokens/expire").json() == {"expired": 0}
    assert httpx.get(admin + "/info").json()["counts"]["clients"] == 30


def test_unknown_route_is_404_json(sim_client: httpx.Client) -> None:
    """Unknown paths answer 404 JSON; a known path with the wrong method 405."""
    r = sim_client.get("/nothing/here")
    assert r.status_code == 404 and r.json()["path"] == "/api/v1/nothing/here"
    assert sim_client.delete("/client/search").status_code == 405


def test_churn_moves_records_while_paging(
    simulator: SimulatorHandle, sim_client: httpx.Client
) -> None:
    """Churn on page 1 adds records and changes modifiedTime of existing ones."""
    first = sim_client.get("/contact/search", params={"size": 10}).json()
    simulator.faults.configure(churn_modify=4, churn_create=3)
    simulator.faults.next("churn", route="search_contacts")
    second = sim_client.get("/contact/search", params={"size": 10, "page": 1}).json()
    assert second["totalElements"] == first["totalElements"] + 3
    newest = max(c["modifiedTime"] for c in simulator.store.records("contacts"))
    changed = sim_client.get("/contact/search", params={"modifiedAfter": "2025-12-31"}).json()
    assert changed["totalElements"] >= 4 and newest > "2025-12-31"
    assert simulator.stats.faults("churn") == 1
