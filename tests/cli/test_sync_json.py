"""`sync --json`: the run's summary as one JSON document on stdout, for pipelines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle
from tests.integration.simulator_changes import DEFAULT_STREAMS


def run(sim: SimulatorHandle, *args: str) -> Result:
    """`sync --json ...` against the simulator."""
    return CliRunner().invoke(cli, ["sync", "--json", *args], env=sim.env())


def summary(result: Result) -> dict[str, Any]:
    """stdout parsed as exactly one JSON document."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    value: dict[str, Any] = orjson.loads(lines[0])
    return value


def test_json_summary_is_all_that_stdout_holds(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """A pipeline reads every stream's records, status and cursor from stdout, exit code 0."""
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}"
    first = run(simulator, "--destination", url)
    assert first.exit_code == 0, first.output
    doc = summary(first)
    assert doc["status"] == "ok"
    assert doc["failed_streams"] == []
    assert doc["destination"] == url
    assert isinstance(doc["duration_seconds"], float)
    streams = {s["stream"]: s for s in doc["streams"]}
    assert list(streams) == DEFAULT_STREAMS
    for name, stream in streams.items():
        assert stream["status"] == "ok"
        assert stream["error"] is None
        assert stream["records"] >= len(simulator.store.records(name))
        assert stream["repaired_values"] == 0
        assert stream["rejected_records"] == 0
        assert stream["incremental"] is False
        assert stream["cursor"], name
    assert doc["records"] == sum(s["records"] for s in doc["streams"])

    second = summary(run(simulator, "--destination", url))
    again = {s["stream"]: s for s in second["streams"]}
    assert all(s["incremental"] for s in again.values())
    assert all(again[n]["cursor"] >= streams[n]["cursor"] for n in streams)


def test_a_failed_stream_is_reported_and_exits_1(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """One stream failing sets its status and error, the others still land, exit code 1."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        f"destination: duckdb:///{tmp_path / 'cs.duckdb'}\n"
        "sources:\n"
        "  clients: {template: search_clients}\n"
        "  broken: {template: search_clients, path: /no/such/route}\n"
    )
    result = run(simulator, "--flow", str(flow))
    assert result.exit_code == 1, result.output
    doc = summary(result)
    assert doc["status"] == "error"
    assert doc["failed_streams"] == ["broken"]
    streams = {s["stream"]: s for s in doc["streams"]}
    assert streams["clients"]["status"] == "ok"
    assert streams["broken"]["status"] == "error"
    assert "404" in streams["broken"]["error"]


def test_bad_usage_exits_2_with_nothing_on_stdout(simulator: SimulatorHandle) -> None:
    """An unknown stream is a one-line error on stderr, exit code 2, and stdout stays empty."""
    result = run(simulator, "--stream", "nope", "--destination", "jsonl:///unused")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "unknown stream(s) nope" in result.stderr


def test_the_summary_table_goes_to_stdout(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """`sync > run.txt` keeps the summary table; progress lines stay on stderr."""
    result = CliRunner().invoke(
        cli, ["sync", "--stream", "products", "--destination", f"jsonl:///{tmp_path / 'o'}"],
        env=simulator.env(),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "records read" in result.stdout and "products" in result.stdout
    assert "records read" not in result.stderr
    assert "records committed" in result.stderr
