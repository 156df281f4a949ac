"""Deletes need more than one witness: a full refresh that would mark more than a set share of a
stream deleted marks nothing and fails the stream (exit 1), unless the user raises the share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle


def sync(sim: SimulatorHandle, database: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        cli, ["sync", "--stream", "clients", "--destination", f"duckdb:///{database}",
              "--format", "json", "-q", *extra],
        env=sim.env(), catch_exceptions=False,
    )  # fmt: skip
    [row] = json.loads(result.stdout)["streams"]
    return result.exit_code, row


def live_rows(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        columns = {r[0] for r in con.execute("DESCRIBE clients").fetchall()}
        where = " WHERE _cs_deleted_at IS NULL" if "_cs_deleted_at" in columns else ""
        row = con.execute(f"SELECT count(*) FROM clients{where}").fetchone()
    return int(row[0]) if row else 0


def test_a_mass_delete_stops_the_stream_and_marks_nothing(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """One empty answer during a full refresh marked all 300 rows deleted (or removed them)."""
    database = tmp_path / "d.duckdb"
    sync(simulator, database)
    total = simulator.store.count("clients")
    for record in simulator.store.records("clients")[: total * 2 // 3]:
        simulator.store.delete("clients", record["id"])

    code, row = sync(simulator, database, "--full-refresh", "--deletes", "hard")
    assert code == 1 and "more than --max-delete-share 50%" in row["error"]
    assert live_rows(database) == total  # nothing marked, nothing removed

    code, row = sync(simulator, database, "--full-refresh", "--max-delete-share", "100%")
    assert code == 0 and row["deleted_rows"] == total * 2 // 3
    assert live_rows(database) == simulator.store.count("clients")


def test_a_few_deletes_are_reconciled_as_before(simulator: SimulatorHandle, tmp_path: Path) -> None:
    database = tmp_path / "d.duckdb"
    sync(simulator, database)
    gone = simulator.store.records("clients")[0]["id"]
    simulator.store.delete("clients", gone)
    code, row = sync(simulator, database, "--full-refresh")
    assert code == 0 and row["deleted_rows"] == 1


def test_a_share_that_is_not_one_is_refused(simulator: SimulatorHandle, tmp_path: Path) -> None:
    destination = f"duckdb:///{tmp_path / 'x.duckdb'}"
    result = CliRunner().invoke(
        cli, ["sync", "--max-delete-share", "150%", "--destination", destination],
        env=simulator.env(),
    )  # fmt: skip
    assert result.exit_code == 2 and "--max-delete-share '150%'" in result.output
