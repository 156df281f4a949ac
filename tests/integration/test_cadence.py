"""A source's `every:` cadence: a run skips a stream whose data is newer than its cadence, says
so, and sends it no request; `--full-refresh` reads it anyway."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.durations import parse_duration
from clientsuccess_connector.read.timestamps import parse_timestamp
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.syncing.cadence import skip_reason

FLOW = """\
destination: duckdb:///DB
sources:
  clients: {template: search_clients}
  contracts: {template: search_contracts}
  contract_notes:
    template: search_contract_notes
    params: {contractId: "{contracts.id}"}
    every: 1d
  notes:
    template: search_client_notes
    every: 6h
lookups:
  contracts: {stream: contracts}
"""


def run(sim: SimulatorHandle, flow: Path, *args: str) -> dict[str, dict[str, Any]]:
    """One sync; each stream's summary."""
    result = CliRunner().invoke(cli, ["sync", "--flow", str(flow), "--format", "json", *args],
                                env=sim.env())  # fmt: skip
    assert result.exit_code == 0, result.output
    return {s["stream"]: s for s in json.loads(result.stdout)["streams"]}


def test_a_stream_fresher_than_its_cadence_is_skipped(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """First run reads everything; the second skips the streams with a cadence (the fan-out
    among them, which re-read every contract before), and says why; --full-refresh reads."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(FLOW.replace("DB", str(tmp_path / "c.duckdb")), encoding="utf-8")
    first = run(simulator, flow)
    assert all(s["status"] == "ok" for s in first.values())
    assert first["contract_notes"]["requests"] > 0
    second = run(simulator, flow)
    for name in ("contract_notes", "notes"):
        assert second[name]["status"] == "skipped", second[name]
        assert second[name]["requests"] == 0
        assert "newer than its cadence" in second[name]["skipped"]
    assert second["clients"]["status"] == "ok" and second["clients"]["requests"] > 0
    forced = run(simulator, flow, "--full-refresh")
    assert forced["notes"]["status"] == "ok" and forced["notes"]["requests"] > 0


def test_the_summary_table_says_why(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """The plain summary names the skip and when the next read is due."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(FLOW.replace("DB", str(tmp_path / "t.duckdb")), encoding="utf-8")
    run(simulator, flow, "--stream", "notes")
    result = CliRunner().invoke(cli, ["sync", "--flow", str(flow), "--stream", "notes"],
                                env=simulator.env())  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "skipped: read up to" in result.stdout and "next read after" in result.stdout


def test_freshness_comes_from_the_cursor_or_the_oldest_partition() -> None:
    """An incremental stream is as fresh as its cursor; a fan-out one as its oldest value."""
    now = parse_timestamp("2026-12-07T12:00:00Z")
    assert now is not None
    day = timedelta(days=1)
    assert skip_reason(day, {"cursor": "2026-12-07T01:00:00Z"}, now)
    assert skip_reason(day, {"cursor": "2026-12-06T11:00:00Z"}, now) is None
    fanned = {"partitions": {"[1]": "2026-12-07T10:00:00Z", "[2]": "2026-12-05T00:00:00Z"}}
    assert skip_reason(day, fanned, now) is None
    assert skip_reason(day, None, now) is None


def test_a_bad_cadence_is_named() -> None:
    """`every: soon` is a ConfigError naming the key and the forms it takes."""
    with pytest.raises(ConfigError, match=r"notes: every 'soon' is not a duration; use e\.g\."):
        parse_duration("soon", "notes: every")
