"""The `schema` command shows a stream's columns, or every stream with its row count."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.sinks import open_sink

NOTES = [
    {"id": 1, "clientId": 7, "subject": "Hi & <b>bye</b>", "createdTime": "2024-03-01T12:00:00Z"},
    {"id": 2, "clientId": 7, "subject": None, "createdTime": "2024-03-02T12:00:00Z", "tags": [1]},
]


def _fill(url: str) -> None:
    with open_sink(url) as sink:
        sink.write_batch("client_notes", NOTES, ["id"])
        sink.write_batch("clients", [{"id": 7, "name": "Acme"}], ["id"])


def test_schema_of_a_stream_as_a_table(destination_url: str) -> None:
    _fill(destination_url)
    result = CliRunner().invoke(cli, ["schema", "client_notes", "--destination", destination_url])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("client_notes in ")
    assert "2 rows, 6 columns" in lines[0]
    table = [line.split() for line in lines[2:]]
    assert table[0] == ["column", "type", "nullable"]
    assert table[1:] == [
        ["id", "integer", "no"],
        ["clientId", "integer", "yes"],
        ["subject", "text", "yes"],
        ["createdTime", "timestamp", "yes"],
        ["tags", "json", "yes"],
        ["_cs_synced_at", "timestamp", "no"],
    ]


def test_schema_as_json(destination_url: str) -> None:
    _fill(destination_url)
    result = CliRunner().invoke(cli, ["schema", "clients", "-d", destination_url, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["stream"] == "clients"
    assert doc["rows"] == 1
    assert doc["columns"] == [
        {"name": "id", "type": "integer", "nullable": False},
        {"name": "name", "type": "text", "nullable": True},
        {"name": "_cs_synced_at", "type": "timestamp", "nullable": False},
    ]


def test_without_stream_lists_every_stream_with_row_counts(destination_url: str) -> None:
    _fill(destination_url)
    result = CliRunner().invoke(cli, ["schema", "-d", destination_url])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()[2:]]
    assert rows[1:] == [["client_notes", "2", "6"], ["clients", "1", "3"]]
    result = CliRunner().invoke(cli, ["schema", "-d", destination_url, "--json"])
    assert json.loads(result.output)["streams"] == [
        {"stream": "client_notes", "rows": 2, "columns": 6},
        {"stream": "clients", "rows": 1, "columns": 3},
    ]


def test_unknown_stream_exits_2_naming_it(destination_url: str) -> None:
    _fill(destination_url)
    result = CliRunner().invoke(cli, ["schema", "pulses", "-d", destination_url])
    assert result.exit_code == 2
    assert "'pulses'" in result.output
    assert "client_notes, clients" in result.output


def test_missing_destination_exits_2_without_creating_it(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'none.duckdb'}"
    result = CliRunner().invoke(cli, ["schema", "-d", url])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert not (tmp_path / "none.duckdb").exists()


def test_bad_destination_url_exits_2_listing_accepted_forms() -> None:
    result = CliRunner().invoke(cli, ["schema", "-d", "mysql://x/y"])
    assert result.exit_code == 2
    assert "mysql://x/y" in result.output
    assert "duckdb:///" in result.output
    assert "parquet:///dir" in result.output


def test_default_destination_is_clientsuccess_duckdb(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _fill("duckdb:///clientsuccess.duckdb")
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    assert "duckdb:///clientsuccess.duckdb" in result.output
    assert "client_notes" in result.output


def test_help_explains_types_and_listing() -> None:
    result = CliRunner().invoke(cli, ["schema", "--help"])
    assert result.exit_code == 0
    for word in ("STREAM", "--destination", "--json", "integer", "json", "_cs_synced_at"):
        assert word in result.output
