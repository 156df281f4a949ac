"""A fan-out stream keeps one cursor per lookup value, so a new value gets all its records.

The finding: `contract_notes` fanned out over `{contracts.id}` kept one cursor for every contract,
so the notes of a contract first seen after the cursor moved (older than the cursor) were never
fetched. Now each contract has its own cursor: a new one is read in full, known ones from their
own cursor, in every destination's state, and a state from before is read safely.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from clientsuccess_connector.read.timestamps import format_timestamp
from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator
from clientsuccess_connector.sinks import open_sink
from tests.integration.helpers import run_cli
from tests.sinks.conftest import postgres_url  # noqa: F401  (a fixture used below)

FLOW = """
connection:
  api_key: ${CLIENTSUCCESS_API_KEY}
  max_concurrency: 4
sources:
  contracts: {template: search_contracts}
  contract_notes:
    template: search_contract_notes
    params: {contractId: "{contracts.id}"}
lookups:
  contracts: {stream: contracts}
"""
OLD_NOTE_TIME = "2024-01-02T03:04:05.006Z"  # long before any cursor of these tests


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres), "jsonl"])
def destination(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """DuckDB, PostgreSQL (a fresh schema) and a JSON lines folder."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'notes.duckdb'}"
    return f"jsonl:///{tmp_path / 'out'}"


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Path]:
    """The contracts -> contract_notes flow file."""
    path = tmp_path / "flow.yaml"
    path.write_text(FLOW)
    path.chmod(0o600)
    yield path


def sync(sim: SimulatorHandle, flow: Path, destination: str) -> dict[str, dict[str, Any]]:
    """One CLI sync; the per-stream summary lines (records read, mode, error)."""
    result = run_cli(sim, "--log-format", "json", "sync", "--flow", str(flow),
                     "--destination", destination)  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    done = [orjson.loads(line) for line in result.stderr.splitlines() if "stream_done" in line]
    return {line["stream"]: line for line in done}


def new_contract_with_old_notes(sim: SimulatorHandle, notes: int = 3) -> tuple[int, set[int]]:
    """A contract created now whose notes are older than any cursor (imported history)."""
    store = sim.store
    contract = dict(store.records("contracts")[0])
    contract.update(id=store.new_id("contracts"), uuid=store.new_uuid(),
                    modifiedTime=_now_text(), externalId=None)  # fmt: skip
    store.put("contracts", contract)
    template = store.records("contract_notes")[0]
    ids = set()
    for _ in range(notes):
        note = dict(template)
        note.update(id=store.new_id("contract_notes"), uuid=store.new_uuid(),
                    tenantContractId=contract["id"], modifiedTime=OLD_NOTE_TIME)  # fmt: skip
        store.put("contract_notes", note)
        ids.add(note["id"])
    return contract["id"], ids


def _now_text() -> str:
    return format_timestamp(datetime.now(UTC))


def notes_in(destination: str) -> list[dict[str, Any]]:
    """Every contract note row in the destination."""
    with open_sink(destination) as sink:
        return sink.read_rows("contract_notes")


def assert_exactly_the_simulators_notes(sim: SimulatorHandle, destination: str) -> None:
    rows = notes_in(destination)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "a note was stored twice"
    assert set(ids) == {n["id"] for n in sim.store.records("contract_notes")}


def test_a_contract_created_after_the_first_sync_gets_all_its_notes(
    simulator: SimulatorHandle, flow: Path, destination: str
) -> None:
    """Its notes, older than every cursor, arrive on the next incremental sync; the known
    contracts are read from their own cursors (few records, not the whole stream)."""
    first = sync(simulator, flow, destination)
    assert first["contract_notes"]["error"] is None
    total = len(simulator.store.records("contract_notes"))
    contract, new_notes = new_contract_with_old_notes(simulator)
    simulator.stats.reset()

    second = sync(simulator, flow, destination)

    assert second["contract_notes"]["error"] is None
    assert second["contract_notes"]["incremental"] is True
    assert_exactly_the_simulators_notes(simulator, destination)
    stored = {r["id"]: r for r in notes_in(destination)}
    assert all(stored[i]["_lookup"] == {"contracts.id": contract} for i in new_notes)
    # The known contracts asked only for what changed since their own cursors, one request
    # each (a page is its own count); the new one two (its notes, then a catch-up page).
    assert second["contract_notes"]["records"] < total
    contracts = len(simulator.store.records("contracts"))
    assert simulator.stats.requests("search_contract_notes") == (contracts - 1) + 2
    with open_sink(destination) as sink:
        state = sink.get_state("contract_notes")
    assert state is not None
    assert orjson.dumps([contract]).decode() in state["partitions"]
    assert len(state["partitions"]) == len(simulator.store.records("contracts"))


def test_a_state_from_before_partitioned_cursors_never_skips_a_note(
    simulator: SimulatorHandle, flow: Path, tmp_path: Path
) -> None:
    """A single cursor for every contract (an earlier version's state) is not trusted for any
    contract: each is read in full once, and the state then keeps one cursor per contract."""
    destination = f"duckdb:///{tmp_path / 'old.duckdb'}"
    sync(simulator, flow, destination)
    with open_sink(destination) as sink:
        sink.set_state("contract_notes", {"cursor_field": "modifiedTime", "cursor": _now_text()})
    new_contract_with_old_notes(simulator)

    after = sync(simulator, flow, destination)

    assert after["contract_notes"]["error"] is None
    assert_exactly_the_simulators_notes(simulator, destination)
    with open_sink(destination) as sink:
        state = sink.get_state("contract_notes")
    assert state is not None and "cursor" not in state
    assert len(state["partitions"]) == len(simulator.store.records("contracts"))


def test_cursors_of_the_values_read_survive_a_failed_run(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A contract id that fails (404) fails the stream, but the other contracts' cursors are
    kept; the next run, without it, reads them from those cursors and misses nothing."""
    ids = [c["id"] for c in simulator.store.records("contracts")]
    lookup = tmp_path / "contracts.csv"
    lookup.write_text("id\n" + "".join(f"{i}\n" for i in [*ids, 999_999_999]))
    flow = tmp_path / "file.yaml"
    flow.write_text(FLOW.replace("{stream: contracts}", f"{{file: {lookup}}}"))
    flow.chmod(0o600)
    destination = f"duckdb:///{tmp_path / 'fail.duckdb'}"

    failed = sync(simulator, flow, destination)

    assert failed["contract_notes"]["error"] is not None
    with open_sink(destination) as sink:
        state = sink.get_state("contract_notes")
    assert state is not None
    assert "[999999999]" not in state["partitions"]
    assert len(state["partitions"]) >= 1  # the values read before the failure keep their cursor

    lookup.write_text("id\n" + "".join(f"{i}\n" for i in ids))
    _, new_notes = new_contract_with_old_notes(simulator)  # not in the file: not read
    again = sync(simulator, flow, destination)

    assert again["contract_notes"]["error"] is None
    stored = {r["id"] for r in notes_in(destination)}
    expected = {n["id"] for n in simulator.store.records("contract_notes")} - new_notes
    assert stored == expected


def test_a_sync_killed_mid_fan_out_resumes_from_the_values_it_committed(tmp_path: Path) -> None:
    """SIGKILL once some contracts' cursors are committed; the re-run reads those from their
    cursors, the others in full, and ends with every note exactly once."""
    out = tmp_path / "out"
    destination = f"jsonl:///{out}"
    flow = tmp_path / "flow.yaml"
    flow.write_text(FLOW)
    flow.chmod(0o600)
    with run_simulator(SimulatorConfig(clients=60, seed=2, latency_ms=20)) as sim:
        command = [sys.executable, "-m", "clientsuccess_connector", "--quiet", "sync", "--flow",
                   str(flow), "--destination", destination, "--batch-size", "5"]  # fmt: skip
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        proc = subprocess.Popen(command, env={**os.environ, **sim.env()}, **quiet)  # type: ignore[call-overload]
        try:
            committed = _wait_for_partitions(out / "_cs_state.json", proc)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        contracts = len(sim.store.records("contracts"))
        assert 1 <= committed < contracts, "the sync was not killed mid fan-out"

        again = sync(sim, flow, destination)

        assert again["contract_notes"]["error"] is None
        assert again["contract_notes"]["incremental"] is True
        assert_exactly_the_simulators_notes(sim, destination)


def _wait_for_partitions(manifest: Path, proc: subprocess.Popen[bytes]) -> int:
    """Poll the file destination's state until `contract_notes` has a committed cursor."""
    while proc.poll() is None:
        try:
            streams = orjson.loads(manifest.read_bytes())["streams"]
        except (FileNotFoundError, orjson.JSONDecodeError):
            streams = {}
        partitions = streams.get("contract_notes", {}).get("state", {}).get("partitions") or {}
        cursors = [value for value in partitions.values() if value != "empty"]  # found empty
        if cursors:
            return len(cursors)
        time.sleep(0.01)
    return 0


def test_an_empty_lookup_keeps_every_cursor(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """A lookup file emptied for one run reads nothing and forgets no contract's cursor."""
    ids = [c["id"] for c in simulator.store.records("contracts")][:5]
    lookup = tmp_path / "contracts.csv"
    lookup.write_text("id\n" + "".join(f"{i}\n" for i in ids))
    flow = tmp_path / "file.yaml"
    flow.write_text(FLOW.replace("{stream: contracts}", f"{{file: {lookup}}}"))
    flow.chmod(0o600)
    destination = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    sync(simulator, flow, destination)
    with open_sink(destination) as sink:
        before = sink.get_state("contract_notes")

    lookup.write_text("id\n")
    emptied = sync(simulator, flow, destination)

    assert emptied["contract_notes"]["error"] is None
    with open_sink(destination) as sink:
        assert sink.get_state("contract_notes") == before
    assert before is not None and len(before["partitions"]) == 5
