"""A route the instance moved: the template fails with a clear 404, and a correction fixes it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.config.flow import load_flow
from clientsuccess_connector.connection import Connection
from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator
from clientsuccess_connector.write import WriteJob, write_records
from tests.write.reporter import Recorder

MOVED = {"create_contact": "/contact/new", "search_pulses": "/pulses/find"}


@pytest.fixture
def moved() -> Iterator[SimulatorHandle]:
    """A simulator whose create_contact and search_pulses routes differ from the catalogue."""
    with run_simulator(SimulatorConfig(clients=10, seed=3, moved_routes=MOVED)) as sim:
        yield sim


def run(sim: SimulatorHandle, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=sim.env(), catch_exceptions=False)


def contacts_csv(tmp_path: Path, client_id: int) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(f"clientId,email,notes\n{client_id},moved@example.com,hello\n")
    return path


def test_moved_write_fails_naming_the_route_then_a_correction_makes_it_work(
    moved: SimulatorHandle, tmp_path: Path
) -> None:
    """404 names POST /contact and the `templates:` fix; with the fix the contact exists."""
    client_id = moved.store.records("clients")[0]["id"]
    csv = contacts_csv(tmp_path, client_id)
    failed = run(moved, "write", "create_contact", "--input", str(csv))
    assert failed.exit_code == 1
    assert "HTTP 404" in failed.stderr
    assert "POST /contact is not this instance's route for create_contact" in failed.stderr
    assert "`templates:` block" in failed.stderr

    flow = tmp_path / "flow.yaml"
    flow.write_text("templates:\n  create_contact:\n    path: /contact/new\n")
    fixed = run(moved, "write", "create_contact", "--input", str(csv), "--flow", str(flow))
    assert fixed.exit_code == 0, fixed.stderr
    emails = [c["email"] for c in moved.store.records("contacts")]
    assert emails.count("moved@example.com") == 1


def test_a_flow_write_entry_takes_its_own_path(moved: SimulatorHandle, tmp_path: Path) -> None:
    """`path:` beside `template:` in `writes:` corrects that entry alone."""
    client_id = moved.store.records("clients")[0]["id"]
    csv = contacts_csv(tmp_path, client_id)
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        f"writes:\n  people:\n    template: create_contact\n    input: {csv.name}\n"
        "    path: /contact/new\n"
    )
    result = run(moved, "write", "people", "--flow", str(flow))
    assert result.exit_code == 0, result.stderr
    assert "moved@example.com" in [c["email"] for c in moved.store.records("contacts")]


def test_a_moved_read_follows_its_correction(moved: SimulatorHandle, tmp_path: Path) -> None:
    """A search moved elsewhere reads every pulse once the flow gives its new path."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "templates:\n  search_pulses:\n    path: /pulses/find\n"
        "sources:\n  pulses:\n    template: search_pulses\n"
    )
    result = run(moved, "test", "--flow", str(flow), "pulses", "--limit", "5", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 5
    shown = run(moved, "templates", "search_pulses", "--flow", str(flow))
    assert "GET /pulses/find" in shown.stdout
    assert "corrected by" in shown.stdout


def test_create_contact_corrected_onto_the_v1_route(
    simulator: SimulatorHandle, conn: Connection, tmp_path: Path
) -> None:
    """The interface example: clientId moves into the v1 path and `notes` is sent as `note`."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "templates:\n  create_contact:\n    path: /v1/clients/{clientId}/contacts\n"
        "    rename: {notes: note}\n"
    )
    template = load_flow(flow).template("create_contact")
    client_id = simulator.store.records("clients")[0]["id"]
    rows = [{"clientId": client_id, "email": "v1@example.com", "note": "via v1"}]
    assert write_records(conn, WriteJob("create_contact"), rows, template=template).ok == 1
    stored = [c for c in simulator.store.records("contacts") if c["email"] == "v1@example.com"]
    assert [(c["tenantClientId"], c["notes"]) for c in stored] == [(client_id, "via v1")]


def test_batch_field_and_results_path_reshape_a_bulk_write(
    simulator: SimulatorHandle, conn: Connection, tmp_path: Path
) -> None:
    """A bulk template pointed at an endpoint taking a bare array reads that endpoint's results."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "templates:\n  bulk_create_contacts:\n    path: /contact/workato/batch-upsert\n"
        "    batch_field: $\n    results_path: $.results[*]\n"
    )
    template = load_flow(flow).template("bulk_create_contacts")
    client_id = simulator.store.records("clients")[0]["id"]
    rows = [{"clientId": client_id, "email": f"b{n}@example.com"} for n in range(3)]
    shown: list[str] = []
    job = WriteJob("bulk_create_contacts")
    write_records(conn, job.merged(dry_run=True), rows, Recorder(requests=shown.append),
                  template=template)  # fmt: skip
    assert '[{"clientId":' in shown[0]  # the body is the bare array, not {"add": [...]}
    summary = write_records(conn, job, rows, template=template)
    assert (summary.ok, summary.error) == (3, 0)


def test_extra_fields_are_sent(conn: Connection, tmp_path: Path) -> None:
    """A field the catalogue does not know, declared under `fields:`, reaches the body."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("templates:\n  create_pulse:\n    fields: {reasonCode: string}\n")
    template = load_flow(flow).template("create_pulse")
    shown: list[str] = []
    rows = [{"clientId": 1, "reasonCode": "PRICE"}]
    job = WriteJob("create_pulse", dry_run=True)
    write_records(conn, job, rows, Recorder(requests=shown.append), template=template)
    assert '"reasonCode":"PRICE"' in shown[0]


def test_a_moved_read_fails_naming_the_route_and_the_fix(moved: SimulatorHandle) -> None:
    """Without a correction, `test` on the moved search says 404 for /pulse/search and why."""
    result = run(moved, "test", "search_pulses", "--limit", "1")
    assert result.exit_code == 1
    assert "GET " in result.stderr and "/pulse/search" in result.stderr
    assert "HTTP 404" in result.stderr
    assert "`templates:` block" in result.stderr


def test_crash_recovery_looks_records_up_on_the_corrected_search_route(tmp_path: Path) -> None:
    """A create whose answer is lost is looked up through the flow's corrected search_contacts:
    found there, it is reported written once, not left unknown (or sent twice)."""
    moved_search = {"search_contacts": "/contacts/find"}
    with run_simulator(SimulatorConfig(clients=3, seed=4, moved_routes=moved_search)) as sim:
        client_id = sim.store.records("clients")[0]["id"]
        csv = contacts_csv(tmp_path, client_id)
        flow = tmp_path / "flow.yaml"
        flow.write_text("templates:\n  search_contacts:\n    path: /contacts/find\n")
        sim.faults.next("drop", 1, route="create_contact")  # created, but the answer is lost
        result = run(
            sim, "write", "create_contact", "--input", str(csv), "--flow", str(flow),
            "--results", str(tmp_path / "results.jsonl"),
        )  # fmt: skip
        found_on_new_route = sim.stats.requests(route="search_contacts")
        emails = [c["email"] for c in sim.store.records("contacts")]
    assert result.exit_code == 0, result.stderr
    assert found_on_new_route >= 1
    assert emails.count("moved@example.com") == 1
