"""The fixtures serve a working simulator over HTTP."""

from __future__ import annotations

import httpx


def test_fresh_simulator_serves_client_search(sim_client: httpx.Client) -> None:
    """A search under /api/v1 with the API key returns the envelope."""
    body = sim_client.get("/client/search").json()
    assert body["totalElements"] == 30
    assert body["page"] == 0 and body["first"] is True


def test_shared_simulator_serves_v2(shared_client: httpx.Client) -> None:
    """The shared simulator answers under /v2 too."""
    assert shared_client.get("/client/search", params={"size": 1}).json()["totalElements"] == 100
