"""`naming=snake_case`: tables and columns a SQL user can write without quotes, in every
destination, with incremental syncs and primary keys working as before."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import httpx
import orjson
import psycopg
import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.sinks import open_sink


def snake(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "naming=snake_case"


def sync(simulator: SimulatorHandle, *args: str) -> None:
    result = CliRunner().invoke(cli, ["sync", "--stream", "pulses", *args], env=simulator.env())
    assert result.exit_code == 0, result.output


def add_pulse(simulator: SimulatorHandle) -> None:
    client = simulator.store.records("clients")[0]
    with httpx.Client(base_url=simulator.api_v1_url,
                      headers={"X-API-Key": simulator.api_key}) as http:  # fmt: skip
        created = http.post("/pulse", json={"clientId": client["id"], "note": "new"})
        assert created.status_code in (200, 201), created.text


def test_snake_case_columns_in_every_destination_and_incremental_still_works(
    simulator: SimulatorHandle, destination_url: str
) -> None:
    """`clientId` lands in `client_id`; a second sync merges on the key and reads only changes."""
    url = snake(destination_url)
    sync(simulator, "--destination", url)
    with open_sink(url) as sink:
        columns = [c.name for c in sink.schema("pulses")]
        assert "client_id" in columns and "created_timestamp" in columns
        assert "clientId" not in columns
        assert sink.get_state("pulses") is not None  # the cursor was kept
    add_pulse(simulator)
    sync(simulator, "--destination", url)
    with open_sink(url) as sink:
        rows = sink.read_rows("pulses")
        expected = simulator.store.records("pulses")
        assert sorted(int(r["id"]) for r in rows) == sorted(r["id"] for r in expected)
        by_id = {int(r["id"]): r for r in rows}
        assert all(by_id[r["id"]]["client_id"] == r["clientId"] for r in expected)


@pytest.mark.postgres
def test_postgres_users_select_client_id_without_quotes(
    simulator: SimulatorHandle, postgres_url: str
) -> None:
    """The issue's promise: `select client_id from pulses`, as written."""
    sync(simulator, "--destination", snake(postgres_url))
    base, _, schema = postgres_url.partition("?schema=")
    with psycopg.connect(base) as con:
        con.execute(f"set search_path to {schema}")
        count = con.execute("select count(client_id) from pulses").fetchone()
    assert count == (len(simulator.store.records("pulses")),)


def test_duckdb_and_files_answer_unquoted_sql(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """The same query in DuckDB, and snake_case keys in a JSON lines file."""
    db = tmp_path / "out.duckdb"
    sync(simulator, "--destination", f"duckdb:///{db}?naming=snake_case")
    with duckdb.connect(str(db), read_only=True) as con:
        count = con.execute("select count(client_id) from pulses").fetchone()
    assert count == (len(simulator.store.records("pulses")),)
    sync(simulator, "--destination", f"jsonl:///{tmp_path / 'files'}?naming=snake_case")
    first = orjson.loads((tmp_path / "files" / "pulses.jsonl").read_bytes().splitlines()[0])
    assert "client_id" in first and "clientId" not in first


def test_a_flow_names_tables_and_columns_with_naming(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """`naming: snake_case` in a flow: source `recentPulses` becomes table `recent_pulses`."""
    db = tmp_path / "flow.duckdb"
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        f"naming: snake_case\ndestination: duckdb:///{db}\n"
        "sources:\n  recentPulses: {template: search_pulses}\n"
    )
    result = CliRunner().invoke(cli, ["sync", "--flow", str(flow)], env=simulator.env())
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db), read_only=True) as con:
        count = con.execute("select count(client_id) from recent_pulses").fetchone()
    assert count == (len(simulator.store.records("pulses")),)
    api = CliRunner().invoke(
        cli,
        ["sync", "--flow", str(flow), "--destination", f"duckdb:///{db}?naming=api"],
        env=simulator.env(),
    )
    assert api.exit_code == 0, api.output  # the URL's option wins over the flow's
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute('select count("clientId") from "recentPulses"').fetchone() == count


def test_colliding_names_are_resolved_deterministically_and_reported(
    destination_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """`clientId` and `client_id` both want `client_id`: the first comes first, the other gets
    `client_id_2`, a warning says so, and `_cs_schema` keeps which field went where."""
    url = snake(destination_url)
    records = [{"id": 1, "clientId": 10, "client_id": 20, "Due Date": "x"}]
    with caplog.at_level(logging.WARNING), open_sink(url) as sink:
        sink.write_batch("things", records, ["id"])
        sink.write_batch("things", [{"id": 2, "client_id": 21, "clientId": 11}], ["id"])
        columns = [c.name for c in sink.schema("things")]
        rows = sink.read_rows("things")
    assert columns[:4] == ["id", "client_id", "client_id_2", "due_date"]
    assert [(r["client_id"], r["client_id_2"]) for r in rows] == [(10, 20), (11, 21)]
    assert "'client_id' is stored in column 'client_id_2'" in caplog.text


def test_an_unknown_naming_is_a_usage_error(tmp_path: Path) -> None:
    """Anything but api or snake_case is refused, naming the choices."""
    with pytest.raises(ConfigError, match="naming must be api or snake_case"):
        open_sink(f"duckdb:///{tmp_path / 'x.duckdb'}?naming=camel")
