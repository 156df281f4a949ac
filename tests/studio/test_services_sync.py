"""The studio's sync reads the streams the CLI would, with the flow's route corrections."""

from __future__ import annotations

from pathlib import Path

from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.flow import load_flow
from clientsuccess_connector.simulator import SimulatorConfig, run_simulator
from clientsuccess_connector.studio import services


def test_a_default_stream_follows_the_flows_template_correction(tmp_path: Path) -> None:
    """A flow with only `templates:` corrections syncs the default streams on the moved route."""
    moved = {"search_clients": "/client/find"}
    with run_simulator(SimulatorConfig(clients=5, seed=2, moved_routes=moved)) as sim:
        flow_file = tmp_path / "flow.yaml"
        flow_file.write_text(
            f"destination: duckdb:///{tmp_path / 'out.duckdb'}\n"
            "templates:\n  search_clients: {path: /client/find}\n"
        )
        settings = ConnectionSettings(base_url=sim.api_v1_url, api_key=sim.api_key)
        results = services.run_sync(settings, load_flow(flow_file), ["clients"], lambda *_: None)
    assert [(r.stream, r.error, r.records) for r in results] == [("clients", None, 5)]
