"""Sync progress says how far each stream is: records (or requests) of the total, %, rate, ETA."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from clientsuccess_connector import Connection, ConnectionSettings, open_sink, resolve, sync
from clientsuccess_connector.cli import cli
from clientsuccess_connector.cli.progress import StreamProgress
from clientsuccess_connector.read.default_streams import default_sources
from clientsuccess_connector.read.progress import ReadProgress
from clientsuccess_connector.simulator import SimulatorHandle

FLOW = """\
sources:
  clients: {template: search_clients, page_size: 10}
  contracts: {template: search_contracts}
  contract_notes:
    template: search_contract_notes
    params: {contractId: "{contracts.id}"}
lookups:
  contracts: {stream: contracts}
"""


def test_library_reports_each_page_against_the_announced_total(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """`on_progress` hears every page, with the total from `totalElements`; no printing."""
    updates: list[ReadProgress] = []
    settings = ConnectionSettings(base_url=simulator.api_v1_url, api_key=simulator.api_key)
    source = resolve(default_sources()["clients"])
    with Connection(settings) as connection, open_sink(f"duckdb:///{tmp_path}/p.duckdb") as sink:
        sync(connection, sink, {"clients": source}, on_progress=updates.append)
    expected = len(simulator.store.records("clients"))
    reads = [u for u in updates if u.total is not None and not u.finished]
    assert reads and {u.total for u in reads} >= {expected}
    assert all(u.unit == "records" and u.stream == "clients" for u in updates)
    last = updates[-1]
    assert last.finished and last.done == last.total == expected and last.fraction == 1.0
    assert last.committed == expected


def test_plain_lines_carry_total_percentage_rate_and_time_left(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """Off a terminal each committed batch is a line with records of the total and its share;
    a fan-out stream counts its requests of the requests it sends."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(FLOW, encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["sync", "--flow", str(flow), "--destination", f"duckdb:///{tmp_path}/s.duckdb",
         "--batch-size", "10"],
        env=simulator.env(),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    clients = len(simulator.store.records("clients"))
    contracts = len(simulator.store.records("contracts"))
    lines = result.stderr.splitlines()
    first = next(line for line in lines if line.startswith("clients: 10 records committed"))
    assert re.search(rf"\(\d+ of {clients} records \(\d+%\), [\d,]+ records/s", first), first
    assert any(f"of {clients} records (100%)" in line for line in lines)
    fan_out = [line for line in lines if line.startswith("contract_notes:")]
    assert fan_out and all(" requests (" in line for line in fan_out)
    assert any(re.search(rf"of {contracts * k} requests", line) for line in fan_out
               for k in (1, 2)), fan_out  # fmt: skip


def test_a_stream_that_commits_rarely_still_logs_now_and_then(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Between commits, a plain line appears once per interval, not once per page."""
    now = [0.0]
    with StreamProgress(interval=10.0, clock=lambda: now[0]) as progress:
        for second in range(35):
            now[0] = float(second)
            progress.on_read(ReadProgress("notes", "records", second * 100, 10_000,
                                          second * 100, 0, float(second or 1)))  # fmt: skip
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith("notes: 1,000 of 10,000 records (10%), 100 records/s, 0:01:30 left")


def test_an_empty_final_batch_does_not_repeat_the_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Off a terminal, a batch with no records (the cursor committed alone) prints nothing new;
    a stream with no records at all still gets its one line."""
    with StreamProgress() as progress:
        progress("clients", 30)
        progress("clients", 0)
        progress("products", 0)
        progress("products", 0)
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["clients: 30 records committed", "products: 0 records committed"]
