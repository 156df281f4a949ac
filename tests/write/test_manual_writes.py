"""Manual write endpoints: `write --url PATH --method M`, with {column} macros in the path."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.connection import Connection
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.write import WriteJob, write_records
from tests.write.reporter import Recorder


def run(sim: SimulatorHandle, *args: str) -> Result:
    return CliRunner().invoke(cli, ["write", *args], env=sim.env(), catch_exceptions=False)


def test_the_whole_row_is_the_body_and_columns_fill_the_path(
    simulator: SimulatorHandle, client_ids: list[int], tmp_path: Path
) -> None:
    """Each row goes to its own client's URL; re-running with the ledger sends nothing twice."""
    csv = tmp_path / "people.csv"
    csv.write_text(
        f"client_id,email,firstName\n{client_ids[0]},m1@example.com,Ann\n"
        f"{client_ids[1]},m2@example.com,Bob\n"
    )
    ledger = tmp_path / "out.jsonl"
    args = ("--url", "/v1/clients/{client_id}/contacts", "-i", str(csv), "--results", str(ledger))
    first = run(simulator, *args)
    assert first.exit_code == 0, first.stderr
    made = {c["email"]: c for c in simulator.store.records("contacts") if c["email"][:1] == "m"}
    assert made["m1@example.com"]["tenantClientId"] == client_ids[0]
    assert made["m2@example.com"]["firstName"] == "Bob"
    done = [r for r in map(json.loads, ledger.read_text().splitlines()) if r.get("status") == "ok"]
    assert len(done) == 2 and all(r["id"] for r in done)
    again = run(simulator, *args)
    assert again.exit_code == 0
    assert "2 skipped" in again.stderr
    assert len([c for c in simulator.store.records("contacts") if c["email"][:1] == "m"]) == 2


def test_mapping_and_constants_choose_the_body(conn: Connection, tmp_path: Path) -> None:
    """With `map`/`set`, only those fields are sent; JSON values keep their types."""
    shown: list[str] = []
    job = WriteJob(url="/things/{kind}", method="put", mapping={"count": "n"},
                   constants={"source": "import"}, dry_run=True)  # fmt: skip
    rows = [{"kind": "a/b", "n": 3, "other": "not sent"}]
    summary = write_records(conn, job, rows, Recorder(requests=shown.append))
    assert summary.ok == 1
    assert "PUT " in shown[0] and "/things/a%2Fb" in shown[0]
    assert json.loads(shown[0].strip().rsplit("\n", 1)[-1]) == {"count": 3, "source": "import"}


def test_a_flow_write_entry_can_be_a_manual_endpoint(
    simulator: SimulatorHandle, client_ids: list[int], tmp_path: Path
) -> None:
    """`url:` and `method:` in `writes:` set a custom field named by the CSV header."""
    (tmp_path / "seg.csv").write_text(f"id,Segment\n{client_ids[2]},Enterprise\n")
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "writes:\n  segments:\n    url: /v1/customfield/value/client/{id}\n"
        "    method: PATCH\n    input: seg.csv\n"
    )
    result = run(simulator, "segments", "--flow", str(flow))
    assert result.exit_code == 0, result.stderr
    client = simulator.store.get("clients", client_ids[2])
    assert client is not None
    assert client["custom"]["Segment__cs"] == "Enterprise"


def test_a_manual_write_needs_a_path_and_a_write_method(simulator: SimulatorHandle) -> None:
    """A bad method or a URL that is not a path is a one-line error before any request."""
    result = run(simulator, "--url", "/x", "--method", "GET", "-i", "-")
    assert result.exit_code == 2
    assert "--method" in result.stderr
    result = CliRunner().invoke(
        cli, ["write", "--url", "x/{id}", "-i", "-"], input='{"id": 1}\n', env=simulator.env()
    )
    assert result.exit_code == 2
    assert "must be a path beginning with /" in result.stderr
