"""One DuckDB path rule for every command: three slashes relative, four slashes absolute."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle
from tests.integration.helpers import run_cli

NOWHERE = {"CLIENTSUCCESS_BASE_URL": "http://127.0.0.1:9/api/v1", "CLIENTSUCCESS_API_KEY": "k" * 16}


def _input_db(path: Path) -> Path:
    """A DuckDB file with one contact row in table `people`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE people AS SELECT 1 AS clientId, 'a@x.io' AS email")
    return path


def test_sync_and_schema_read_three_slashes_relative_to_the_working_directory(
    simulator: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`duckdb:///out/x.duckdb` lands in ./out/x.duckdb and `schema` finds it there."""
    monkeypatch.chdir(tmp_path)
    url = "duckdb:///out/x.duckdb"
    result = run_cli(simulator, "sync", "--stream", "products", "--destination", url)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "x.duckdb").is_file()
    assert f"({tmp_path / 'out' / 'x.duckdb'})" in result.stderr
    shown = run_cli(simulator, "schema", "products", "--destination", url)
    assert shown.exit_code == 0, shown.output
    assert f"products in {url}" in shown.output


def test_write_input_with_three_slashes_is_relative_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`write --input duckdb:///rel` reads ./rel, never /rel; the error says how to write /rel."""
    absolute = _input_db(tmp_path / "abs" / "in.duckdb")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    relative_form = f"duckdb:///{str(absolute).lstrip('/')}?table=people"
    args = ["write", "create_contact", "--dry-run", "--input"]
    refused = CliRunner().invoke(cli, [*args, relative_form], env=NOWHERE)
    assert refused.exit_code == 2, refused.output
    assert "does not exist" in refused.output
    assert f"duckdb:///{absolute}" in refused.output  # the four-slash form to use instead
    absolute_form = CliRunner().invoke(cli, [*args, f"duckdb:///{absolute}?table=people"],
                                       env=NOWHERE)  # fmt: skip
    assert absolute_form.exit_code == 0, absolute_form.output
    assert "a@x.io" in absolute_form.stdout
    _input_db(elsewhere / str(absolute).lstrip("/"))
    relative = CliRunner().invoke(cli, [*args, relative_form], env=NOWHERE)
    assert relative.exit_code == 0, relative.output


def test_demo_lands_in_a_relative_duckdb_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`demo --destination duckdb:///rel/demo.duckdb` writes ./rel/demo.duckdb."""
    monkeypatch.chdir(tmp_path)
    url = "duckdb:///rel/demo.duckdb"
    result = CliRunner().invoke(cli, ["demo", "--clients", "3", "--destination", url])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rel" / "demo.duckdb").is_file()
    assert "Try: duckdb rel/demo.duckdb" in result.output


@pytest.mark.parametrize(
    ("command", "url", "valid"),
    [
        ("sync", "duckdb:///x.duckdb?schema=prod", "duckdb destinations take: memory_limit"),
        ("schema", "csv:///out?compression=gzip", "csv destinations take: memory_limit"),
        ("sync", "postgresql://me@localhost/db?shema=cs", "a PostgreSQL destination takes schema"),
    ],
)
def test_unknown_url_options_are_refused_listing_the_valid_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, url: str, valid: str
) -> None:
    """An option the destination does not take is exit 2, not silently ignored."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [command, "--destination", url], env=NOWHERE)
    assert result.exit_code == 2, result.output
    assert "unknown option" in result.output
    assert valid in result.output
    assert not list(tmp_path.iterdir())


def test_unknown_input_option_lists_table_and_query(tmp_path: Path) -> None:
    """`write --input duckdb:///F?tabel=T` names the valid options."""
    path = _input_db(tmp_path / "in.duckdb")
    args = ["write", "create_contact", "--dry-run", "--input", f"duckdb:///{path}?tabel=people"]
    result = CliRunner().invoke(cli, args, env=NOWHERE)
    assert result.exit_code == 2, result.output
    assert "unknown option 'tabel'; duckdb inputs take: table, order_by, query" in result.output
