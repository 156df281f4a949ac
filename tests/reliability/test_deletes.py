"""Deletes: a full refresh records what was deleted in ClientSuccess, in every destination, and
only when its read covered the whole collection and proved it complete."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result

from clientsuccess_connector.read.timestamps import format_timestamp
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.simulator.profile import ServerProfile
from clientsuccess_connector.sinks import open_sink
from tests.integration.helpers import run_cli

pytest_plugins = ["tests.sinks.conftest"]
STREAM = "client_notes"


def _sync(sim: SimulatorHandle, url: str, *args: str) -> Result:
    return run_cli(sim, "sync", "--destination", url, "--stream", STREAM, *args)


def _rows(url: str, stream: str = STREAM) -> dict[int, dict[str, Any]]:
    with open_sink(url, read_only=True) as sink:
        return {int(r["id"]): r for r in sink.read_rows(stream)}


def _delete_note(sim: SimulatorHandle, index: int = 0) -> int:
    """Delete a note through the API (`DELETE /clientNote/{id}`); its id."""
    note_id = int(sim.store.records(STREAM)[index]["id"])
    answer = httpx.delete(
        f"{sim.api_v1_url}/clientNote/{note_id}", headers={"X-API-Key": sim.api_key}, timeout=10
    )
    assert answer.status_code == 204, answer.text
    return note_id


def _marked(rows: dict[int, dict[str, Any]]) -> set[int]:
    return {i for i, r in rows.items() if r.get("_cs_deleted_at") is not None}


def test_a_note_deleted_through_the_api_is_marked_by_a_full_refresh_then_removed(
    simulator: SimulatorHandle, destination_url: str
) -> None:
    """Soft delete by default, kept by incremental runs; `--deletes hard` removes the row."""
    assert _sync(simulator, destination_url).exit_code == 0
    before = _rows(destination_url)
    gone = _delete_note(simulator)

    refreshed = _sync(simulator, destination_url, "--full-refresh")
    assert refreshed.exit_code == 0, refreshed.output
    assert "1 row(s) marked deleted" in refreshed.output
    rows = _rows(destination_url)
    assert set(rows) == set(before)
    assert _marked(rows) == {gone}
    assert rows[gone]["_cs_deleted_at"] >= rows[gone]["_cs_synced_at"]

    again = _sync(simulator, destination_url)  # incremental: the marker stays
    assert again.exit_code == 0, again.output
    assert _marked(_rows(destination_url)) == {gone}

    hard = _sync(simulator, destination_url, "--full-refresh", "--deletes", "hard")
    assert hard.exit_code == 0, hard.output
    assert "1 deleted row(s) removed" in hard.output
    assert set(_rows(destination_url)) == set(before) - {gone}


def test_hard_deletes_chosen_in_the_flow(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """`deletes: hard` on a source removes the rows of deleted records at a full refresh."""
    url = f"duckdb:///{tmp_path / 'dest.duckdb'}"
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        f"sources:\n  {STREAM}:\n    template: search_client_notes\n    deletes: hard\n"
    )
    args = ("--flow", str(flow))
    assert _sync(simulator, url, *args).exit_code == 0
    gone = _delete_note(simulator)
    assert _sync(simulator, url, *args, "--full-refresh").exit_code == 0
    rows = _rows(url)
    assert gone not in rows
    assert rows and not _marked(rows)


def test_a_row_that_reappears_has_its_marker_cleared(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A record returned again after being marked deleted is a live row again."""
    url = f"duckdb:///{tmp_path / 'dest.duckdb'}"
    assert _sync(simulator, url).exit_code == 0
    record = dict(simulator.store.records(STREAM)[0])
    gone = _delete_note(simulator)
    assert _sync(simulator, url, "--full-refresh").exit_code == 0
    assert _marked(_rows(url)) == {gone}

    record["modifiedTime"] = format_timestamp(datetime.now(UTC))
    simulator.store.put(STREAM, record)  # restored in ClientSuccess
    assert _sync(simulator, url).exit_code == 0  # an incremental run brings it back
    rows = _rows(url)
    assert rows[gone]["_cs_deleted_at"] is None
    assert not _marked(rows)


@pytest.mark.parametrize("counts", ["missing", "overstated"])
def test_a_read_that_cannot_be_proven_complete_marks_nothing(
    simulator: SimulatorHandle, destination_url: str, counts: str
) -> None:
    """No count (the read is unproven) or a count the read falls short of: nothing is marked."""
    assert _sync(simulator, destination_url).exit_code == 0
    _delete_note(simulator)
    simulator.app.profile = ServerProfile(counts=counts)
    result = _sync(simulator, destination_url, "--full-refresh")
    if counts == "missing":
        assert result.exit_code == 0, result.output
        assert "deletes not reconciled: the read was not proven" in result.output
    else:
        assert result.exit_code == 1, result.output  # the stream fails: it cannot prove itself
    assert not _marked(_rows(destination_url))


def test_a_filtered_source_is_reconciled_only_when_its_flow_says_so(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A read narrowed by a parameter does not see the other records: it marks none, unless
    the source says with `deletes:` that its table holds exactly what the filter selects."""
    client_id = simulator.store.records(STREAM)[0]["clientId"]
    url = f"duckdb:///{tmp_path / 'dest.duckdb'}"
    flow = tmp_path / "flow.yaml"
    source = f"sources:\n  {STREAM}:\n    template: search_client_notes\n"
    source += f"    params: {{clientId: {client_id}}}\n"
    flow.write_text(source)
    args = ("--flow", str(flow))
    assert _sync(simulator, url, *args).exit_code == 0
    gone = _delete_note(simulator)

    result = _sync(simulator, url, *args, "--full-refresh", "--deletes", "hard")
    assert result.exit_code == 0, result.output
    assert "deletes not reconciled: the read is filtered by clientId" in result.output
    assert gone in _rows(url) and not _marked(_rows(url))

    flow.write_text(source + "    deletes: soft\n")
    result = _sync(simulator, url, *args, "--full-refresh")
    assert result.exit_code == 0, result.output
    assert _marked(_rows(url)) == {gone}


def test_deletes_asked_of_a_fan_out_source_are_refused(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A fan-out source reads one collection per lookup value: reconciling is refused (exit 2)
    when asked for, and skipped (with the reason) otherwise."""
    flow = tmp_path / "flow.yaml"
    body = (
        "sources:\n  contract_notes:\n    template: search_contract_notes\n"
        "    params: {contractId: '{contracts.id}'}\n"
        "lookups:\n  contracts: {stream: contracts}\n"
    )
    url = f"duckdb:///{tmp_path / 'dest.duckdb'}"
    flow.write_text(body)
    skipped = run_cli(
        simulator, "sync", "--flow", str(flow), "--destination", url, "--full-refresh"
    )
    assert skipped.exit_code == 0, skipped.output
    assert "deletes not reconciled: it fans out over a lookup" in skipped.output

    flow.write_text(body.replace("'{contracts.id}'}\n", "'{contracts.id}'}\n    deletes: soft\n"))
    refused = run_cli(
        simulator, "sync", "--flow", str(flow), "--destination", url, "--full-refresh"
    )
    assert refused.exit_code == 2, refused.output
    assert "`deletes: soft` cannot work because it fans out over a lookup" in refused.output
