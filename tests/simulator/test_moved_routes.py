"""The simulator can play an instance whose routes differ from the catalogue."""

from __future__ import annotations

import httpx
import pytest

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.simulator import SimulatorConfig, build_app, run_simulator


def test_a_moved_route_answers_at_its_new_path_only() -> None:
    """The old path is a 404 naming the route; the new one serves the template."""
    config = SimulatorConfig(clients=3, moved_routes={"get_pulse": "/pulses/{pulseId}"})
    with run_simulator(config) as sim:
        pulse = sim.store.records("pulses")[0]["uuid"]
        headers = {"X-API-Key": sim.api_key}
        with httpx.Client(base_url=sim.api_v1_url, headers=headers) as client:
            old = client.get(f"/pulse/{pulse}")
            assert old.status_code == 404
            assert f"GET /api/v1/pulse/{pulse}" in old.json()["message"]
            assert client.get(f"/pulses/{pulse}").json()["uuid"] == pulse


def test_options_lists_the_methods_a_known_path_takes() -> None:
    """OPTIONS on a template's path answers 200 with Allow, as Spring does; unknown is 404."""
    with run_simulator(SimulatorConfig(clients=3)) as sim, httpx.Client(base_url=sim.base_url) as c:
        allow = c.options("/api/v1/clientNote/1")
        assert allow.status_code == 200
        assert allow.headers["allow"] == "GET, PUT, PATCH, DELETE, OPTIONS"
        assert c.options("/api/v1/nothing/here").status_code == 404


@pytest.mark.parametrize("path", ["/notes", "notes/{id}", "/notes/{noteId}"])
def test_a_move_must_keep_the_placeholders(path: str) -> None:
    """A moved path that drops or renames a path parameter is refused up front."""
    with pytest.raises(ConfigError, match=r"must begin with / and hold \{id\}"):
        build_app(SimulatorConfig(clients=1, moved_routes={"get_client_note": path}))
