"""`init` writes a starter flow that works as written against the demo simulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator


@pytest.fixture(scope="module")
def demo_simulator() -> Iterator[SimulatorHandle]:
    """The simulator as `simulate` and `demo` start it (their default clients and seed)."""
    with run_simulator(SimulatorConfig()) as sim:
        yield sim


def test_the_starter_flow_reads_records_from_every_source(
    demo_simulator: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every source of the starter flow returns records, and each lands with its schema."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["init"]).exit_code == 0
    destination = f"duckdb:///{tmp_path / 'starter.duckdb'}"
    env = demo_simulator.env()
    result = runner.invoke(
        cli, ["sync", "--flow", "flow.yaml", "--destination", destination, "--format", "json"],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = {row["stream"]: row for row in json.loads(result.stdout)["streams"]}
    assert set(summary) == {"clients", "pulses", "recent_notes", "contracts", "contract_notes"}
    for stream, row in summary.items():
        assert row["error"] is None, stream
        assert row["records"] > 0, f"{stream} read no records from the demo simulator"
    schema = runner.invoke(cli, ["schema", "recent_notes", "-d", destination])
    assert schema.exit_code == 0, schema.output
    assert "modifiedTime" in schema.stdout


def test_the_starter_flow_points_to_docs_a_pip_user_has(tmp_path: Path) -> None:
    """The starter names `clientsuccess-connector docs flows`, not a path of the repository."""
    flow = tmp_path / "flow.yaml"
    result = CliRunner().invoke(cli, ["init", str(flow)])
    assert result.exit_code == 0, result.output
    text = flow.read_text(encoding="utf-8")
    assert "docs/" not in text and "docs/" not in result.output
    assert "clientsuccess-connector docs flows" in text


def test_a_stream_that_read_nothing_still_has_a_schema(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """After a sync that read 0 records, `schema NAME` shows the stream instead of an error."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "sources:\n  nobody_pulses:\n    template: search_pulses\n"
        "    params: {clientId: 987654321}\n",
        encoding="utf-8",
    )
    destination = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    runner = CliRunner()
    synced = runner.invoke(
        cli, ["sync", "--flow", str(flow), "--destination", destination, "--format", "json"],
        env=simulator.env(),
    )  # fmt: skip
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.stdout)["streams"][0]["records"] == 0
    result = runner.invoke(cli, ["schema", "nobody_pulses", "-d", destination])
    assert result.exit_code == 0, result.output
    assert "0 rows" in result.stdout
    assert "id" in result.stdout.split()
