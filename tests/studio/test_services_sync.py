"""The studio's sync reads the streams the CLI would, with the flow's route corrections."""

from __future__ import annotations

from pathlib import Path

import duckdb
import httpx

from clientsuccess_connector.config.flow import load_flow
from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.simulator import SimulatorConfig, run_simulator
from clientsuccess_connector.studio.services import flows, syncs
from clientsuccess_connector.studio.services.flow_file import FlowFile


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
        results = syncs.run_sync(settings, load_flow(flow_file), ["clients"], lambda *_: None)
    assert [(r.stream, r.error, r.records) for r in results] == [("clients", None, 5)]


def test_an_advanced_source_with_a_query_in_its_url_lands_the_filtered_rows(
    tmp_path: Path,
) -> None:
    """The Advanced tab's Create saved `url: /pulse/search?modifiedAfter=...`, whose sync
    stored every pulse: pages after the first lost the query."""
    with run_simulator(SimulatorConfig(clients=20, seed=3)) as sim:
        (tmp_path / "flow.yaml").write_text(f"destination: duckdb:///{tmp_path / 'out.duckdb'}\n")
        flow_file = FlowFile(tmp_path / "flow.yaml")
        entry = flows.source_entry({
            "url": "/pulse/search?modifiedAfter=2025-03-01", "primary_key": ["id"],
            "pagination": "envelope", "page_size": 5,
        })  # fmt: skip
        flow = flow_file.add_source("recent_pulses", entry, [])
        settings = ConnectionSettings(base_url=sim.api_v1_url, api_key=sim.api_key)
        [result] = syncs.run_sync(settings, flow, ["recent_pulses"], lambda *_: None)
        with httpx.Client(base_url=sim.api_v1_url, headers={"X-API-Key": sim.api_key}) as http:
            body = http.get("/pulse/search", params={"modifiedAfter": "2025-03-01", "size": 1000})
        wanted = {record["id"] for record in body.json()["data"]}
        assert 0 < len(wanted) < sim.store.count("pulses")
        with duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True) as con:
            stored = {row[0] for row in con.execute("SELECT id FROM recent_pulses").fetchall()}
    assert result.error is None and stored == wanted
