"""The studio's write follows the flow file's route corrections, as `write --flow` does."""

from __future__ import annotations

from pathlib import Path

from clientsuccess_connector.config.flow import load_flow
from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.simulator import SimulatorConfig, run_simulator
from clientsuccess_connector.studio.services import writes


def test_a_write_and_its_crash_look_up_use_the_flows_corrected_routes(tmp_path: Path) -> None:
    """create_contact on a moved route, its answer lost: the look-up on the moved search finds
    the contact, so the row is reported written once."""
    moved = {"create_contact": "/contact/new", "search_contacts": "/contacts/find"}
    with run_simulator(SimulatorConfig(clients=3, seed=5, moved_routes=moved)) as sim:
        client_id = sim.store.records("clients")[0]["id"]
        upload = tmp_path / "contacts.csv"
        upload.write_text(f"clientId,email\n{client_id},studio@example.com\n")
        flow_file = tmp_path / "flow.yaml"
        flow_file.write_text(
            "templates:\n  create_contact: {path: /contact/new}\n"
            "  search_contacts: {path: /contacts/find}\n"
        )
        sim.faults.next("drop", 1, route="create_contact")
        settings = ConnectionSettings(base_url=sim.api_v1_url, api_key=sim.api_key)
        outcome = writes.write_upload(
            settings, "create_contact", upload, {}, {}, dry_run=False,
            results=tmp_path / "results.jsonl", flow=load_flow(flow_file),
        )  # fmt: skip
        emails = [c["email"] for c in sim.store.records("contacts")]
    assert (outcome.ok, outcome.error) == (1, 0), outcome.errors
    assert emails.count("studio@example.com") == 1
