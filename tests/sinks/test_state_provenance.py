"""A stream's state is bound to what produced it: the instance, the source definition and the
table. A run whose provenance differs, or whose table is gone or emptier, reads in full and says
why; a table of another instance is never merged into silently."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import httpx
import psycopg
import pytest
from click.testing import CliRunner, Result
from psycopg import sql

from clientsuccess_connector.cli import cli
from clientsuccess_connector.connection.locations import parse_destination
from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator


def run(sim: SimulatorHandle, *args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={**sim.env(), **env}, catch_exceptions=False)


def sync(sim: SimulatorHandle, flow: Path, *extra: str, **env: str) -> dict[str, Any]:
    result = run(sim, "sync", "--flow", str(flow), "--format", "json", "-q", *extra, **env)
    assert result.exit_code in (0, 1), result.output
    [row] = json.loads(result.stdout)["streams"]
    return dict(row)


def flow_file(folder: Path, destination: str, params: str = "") -> Path:
    flow = folder / "flow.yaml"
    flow.write_text(
        f"destination: '{destination}'\nsources:\n  clients: {{template: search_clients{params}}}\n"
    )
    return flow


def new_client(sim: SimulatorHandle, name: str) -> None:
    with httpx.Client(base_url=sim.api_v1_url, headers={"X-API-Key": sim.api_key}) as http:
        answer = http.post("/client", json={"name": name, "status": "ACTIVE", "active": True})
        assert answer.status_code in (200, 201), answer.text


def stored_ids(destination: str) -> set[int]:
    kind = destination.split(":", 1)[0]
    if kind == "duckdb":
        path = destination.removeprefix("duckdb:///")
        with duckdb.connect(path, read_only=True) as con:
            return {r[0] for r in con.execute("SELECT id FROM clients").fetchall()}
    if kind == "jsonl":
        folder = Path(destination.removeprefix("jsonl:///"))
        lines = (folder / "clients.jsonl").read_text().splitlines()
        return {json.loads(line)["id"] for line in lines if line}
    with psycopg.connect(destination.split("?", maxsplit=1)[0]) as con:
        schema = destination.split("schema=")[1]
        query = sql.SQL("SELECT id FROM {}.clients").format(sql.Identifier(schema))
        return {r[0] for r in con.execute(query).fetchall()}


def drop_table(destination: str) -> None:
    """What a user does by hand: drop the table, or move the file away."""
    kind = destination.split(":", 1)[0]
    if kind == "duckdb":
        with duckdb.connect(destination.removeprefix("duckdb:///")) as con:
            con.execute("DROP TABLE clients")
    elif kind == "jsonl":
        folder = Path(destination.removeprefix("jsonl:///"))
        shutil.move(folder / "clients.jsonl", folder.parent / "moved-away.jsonl")
    else:
        schema = destination.split("schema=")[1]
        with psycopg.connect(destination.split("?", maxsplit=1)[0], autocommit=True) as con:
            con.execute(sql.SQL("DROP TABLE {}.clients").format(sql.Identifier(schema)))


@pytest.fixture(params=["duckdb", "jsonl", "postgresql"])
def destination(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'd.duckdb'}"
    (tmp_path / "files").mkdir()
    return f"jsonl:///{tmp_path / 'files'}"


def test_a_dropped_table_is_read_in_full_and_made_again(
    simulator: SimulatorHandle, tmp_path: Path, destination: str
) -> None:
    """A dropped table (or a moved JSONL file) kept its cursor: `0 ... incremental ok`, then
    CatalogException / UndefinedTable on every run, --full-refresh included."""
    assert parse_destination(destination)
    flow = flow_file(tmp_path, destination)
    assert sync(simulator, flow)["error"] is None
    drop_table(destination)
    new_client(simulator, "After The Drop")
    after = sync(simulator, flow)
    assert after["error"] is None
    assert any("read in full" in note and "gone" in note for note in after["notes"])
    assert stored_ids(destination) == {r["id"] for r in simulator.store.records("clients")}
    drop_table(destination)
    refreshed = sync(simulator, flow, "--full-refresh")
    assert refreshed["error"] is None
    assert stored_ids(destination) == {r["id"] for r in simulator.store.records("clients")}


def test_a_widened_filter_reads_the_records_it_now_includes(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """Removing `params: {status: ACTIVE}` read none of the newly included records."""
    destination = f"duckdb:///{tmp_path / 'd.duckdb'}"
    narrow = sync(simulator, flow_file(tmp_path, destination, ", params: {status: ACTIVE}"))
    assert narrow["error"] is None
    wide = sync(simulator, flow_file(tmp_path, destination))
    assert wide["notes"] == [
        "read in full: its source definition changed since the state was stored"
    ]
    assert stored_ids(destination) == {r["id"] for r in simulator.store.records("clients")}


def test_an_emptied_table_is_read_in_full(simulator: SimulatorHandle, tmp_path: Path) -> None:
    database = tmp_path / "d.duckdb"
    flow = flow_file(tmp_path, f"duckdb:///{database}")
    sync(simulator, flow)
    with duckdb.connect(str(database)) as con:
        con.execute("DELETE FROM clients WHERE id % 2 = 0")
    again = sync(simulator, flow)
    assert "read in full: its table holds" in again["notes"][0]
    assert stored_ids(f"duckdb:///{database}") == {
        r["id"] for r in simulator.store.records("clients")
    }


def test_a_second_instance_is_never_merged_into_the_first(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """Another instance read 0 of its clients (`incremental ok`); after one change the table held
    rows of both. Now the stream fails with the fix, and --full-refresh replaces the rows."""
    destination = f"duckdb:///{tmp_path / 'd.duckdb'}"
    flow = flow_file(tmp_path, destination)
    sync(simulator, flow)
    with run_simulator(SimulatorConfig(clients=12, seed=9)) as other:
        refused = sync(other, flow)
        assert refused["error"] is not None and "another destination" in refused["error"]
        assert other.stats.requests() == 0
        replaced = sync(
            other, flow, "--full-refresh", "--deletes", "hard", "--max-delete-share", "100%"
        )  # every row of the first instance goes
        assert replaced["error"] is None
        assert stored_ids(destination) == {r["id"] for r in other.store.records("clients")}
        assert sync(other, flow)["error"] is None


def test_state_shows_provenance_and_resets_a_stream(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    destination = f"duckdb:///{tmp_path / 'd.duckdb'}"
    flow = flow_file(tmp_path, destination)
    sync(simulator, flow)
    shown = run(simulator, "state", "-d", destination, "--json")
    [row] = json.loads(shown.stdout)
    assert row["instance"] == simulator.api_v1_url and row["source"] == "template search_clients"
    assert row["rows_now"] == row["rows_at_last_run"] == simulator.store.count("clients")
    assert row["cursor"] is not None
    assert run(simulator, "state", "clients", "--reset", "-d", destination).exit_code == 0
    again = sync(simulator, flow)
    assert again["incremental"] is False
    assert again["records"] >= simulator.store.count("clients")
