"""The `write` command: exit codes, one-line errors, stdin, dry-run without network, flows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.config.flow import load_flow
from clientsuccess_connector.connection import Connection
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.write import write_input

NOWHERE = {"CLIENTSUCCESS_BASE_URL": "http://127.0.0.1:9/api/v1", "CLIENTSUCCESS_API_KEY": "k" * 16}


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("csv", "extra", "message"),
    [
        ("clientId,email\n1,a@x\n", ["--map", "emial=email"], "its fields are: clientId"),
        ("clientId,email\n1,a@x\n", ["--map", "email=mail"], "its columns are: clientId, email"),
        ("clientId,email\n1,a@x\n", ["--batch-size", "101"], "maximum of 100"),
        ("clientId,email\n1,a@x\n1,b@x,extra\n", [], "in.csv line 3: 3 fields but the header"),
        ("clientId,email\n1,a@x\n", ["--set", "status"], "--set 'status' is not NAME=VALUE"),
    ],
)
def test_bad_usage_exits_2_with_one_line(
    tmp_path: Path, csv: str, extra: list[str], message: str
) -> None:
    path = csv_file(tmp_path, csv)
    args = ["write", "bulk_create_contacts", "--input", str(path), "--dry-run", *extra]
    result = CliRunner().invoke(cli, args, env=NOWHERE)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert message in errors[0]
    assert "Traceback" not in result.output


def test_non_utf8_input_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes("clientId,firstName\n1,Ren\xe9\n".encode("latin-1"))
    result = CliRunner().invoke(
        cli, ["write", "create_contact", "-i", str(path), "--dry-run"], env=NOWHERE
    )
    assert result.exit_code == 2
    assert "UTF-8 expected" in result.stderr


def test_dry_run_needs_no_credentials_and_no_network(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "id,subject\n5,New\nx/../y,Other\n")
    env = {"CLIENTSUCCESS_BASE_URL": "http://127.0.0.1:9/api/v1", "CLIENTSUCCESS_API_KEY": ""}
    result = CliRunner().invoke(
        cli, ["write", "patch_client_note", "-i", str(path), "--dry-run"], env=env
    )
    assert result.exit_code == 1, result.output  # row 2 fails: 'x/../y' is not a note id
    assert "PATCH http://127.0.0.1:9/api/v1/clientNote/5" in result.stdout
    assert '{"subject":"New"}' in result.stdout
    assert "Other" not in result.stdout
    assert "row 2: id (column 'id'): 'x/../y' is not an integer" in result.stderr
    assert "dry run" in result.stderr


def test_path_values_stay_in_their_segment(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "contactId,title\na/../b?x=1,CEO\n")
    result = CliRunner().invoke(
        cli, ["write", "patch_contact", "-i", str(path), "--dry-run"], env=NOWHERE
    )
    assert result.exit_code == 0, result.output
    assert "PATCH http://127.0.0.1:9/api/v1/contact/a%2F..%2Fb%3Fx%3D1" in result.stdout


def test_dry_run_masks_the_key_and_warns_about_put(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "contactId,clientId,email\nabc,1,a@x.io\n")
    result = CliRunner().invoke(
        cli, ["write", "update_contact", "-i", str(path), "--dry-run"], env=NOWHERE
    )
    assert result.exit_code == 0, result.output
    assert "k" * 16 not in result.stdout
    assert "X-API-Key: ***" in result.stdout
    assert '"title":null' in result.stdout
    assert "PUT (full replace)" in result.stderr
    assert "title" in result.stderr


def test_stdin_results_summary_and_exit_1(
    simulator: SimulatorHandle, client_ids: list[int], tmp_path: Path
) -> None:
    lines = [
        json.dumps({"clientId": client_ids[0], "email": "s1@x.io"}),
        json.dumps({"clientId": client_ids[0], "email": "s2@x.io", "champion": "sometimes"}),
    ]
    results = tmp_path / "r.jsonl"
    args = ["write", "create_contact", "-i", "-", "--results", str(results)]
    result = CliRunner().invoke(cli, args, input="\n".join(lines) + "\n", env=simulator.env())
    assert result.exit_code == 1, result.output
    assert "create_contact: 1 ok, 1 error, 0 skipped" in result.stderr
    assert "row 2: champion" in result.stderr
    header, *lines = [json.loads(x) for x in results.read_text().splitlines()]
    assert header["template"] == "create_contact"  # bound to the template and instance,
    assert header["instance"] == simulator.api_v1_url.rstrip("/")  # not to the input's name
    assert "input" not in header
    statuses = sorted(line["status"] for line in lines)
    assert statuses == ["error", "ok", "pending"]  # the pending line precedes row 1's POST


def test_flow_writes_entry_via_cli_and_library(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    (tmp_path / "health.csv").write_text(
        f"client_id,comment\n{client_ids[0]},fine\n{client_ids[1]},worse\n"
    )
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "writes:\n"
        "  health:\n"
        "    template: create_pulse\n"
        "    input: health.csv\n"
        "    map: {clientId: client_id, note: comment}\n"
        "    set: {dispositionType: SOME_RISK}\n"
        "    results: health.jsonl\n"
    )
    result = CliRunner().invoke(cli, ["write", "health", "--flow", str(flow)], env=simulator.env())
    assert result.exit_code == 0, result.output
    assert (tmp_path / "health.jsonl").exists()
    pulses = [p for p in simulator.store.records("pulses") if p["note"] in ("fine", "worse")]
    assert len(pulses) == 2
    assert {p["dispositionType"] for p in pulses} == {"SOME_RISK"}

    job = load_flow(flow).writes["health"]
    summary = write_input(conn, job)
    assert (summary.ok, summary.skipped) == (0, 2)  # same ledger: already written
