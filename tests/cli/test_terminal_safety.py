"""API values reach the terminal as plain text: no markup, no escape sequences, no crash."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click.testing
import orjson
import pytest
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle
from tests.security.hostile import HostileServer, Received, response
from tests.sinks.raw_server import serving

HOSTILE = {
    "id": 1,
    "markup": "closes [/] and [bold]opens[/bold] and [link=https://evil.example]x[/link]",
    "ansi": "\x1b[31mred\x1b[0m and a bell\x07 and a return\roverwrite",
    "emoji": ":smile: stays text",
    "\x1b[2Jkey": "a field name that clears the screen",
}


def run(*args: str) -> Result:
    body = orjson.dumps({"data": [HOSTILE]})
    with serving(body) as base_url:
        env = {"CLIENTSUCCESS_BASE_URL": base_url, "CLIENTSUCCESS_API_KEY": "k-terminal-test",
               "COLUMNS": "400"}  # fmt: skip
        return CliRunner().invoke(cli, [*args, "--url", "/things"], env=env)


@pytest.mark.parametrize("command", [["test"], ["paths"]])
def test_values_are_printed_as_plain_text(command: list[str]) -> None:
    result = run(*command)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\r" not in result.output


def test_markup_and_escapes_are_shown_as_typed() -> None:
    out = run("test").stdout
    assert "[/]" in out and "[bold]opens[/bold]" in out
    assert "\\x1b[31mred" in out and "\\x07" in out
    assert ":smile:" in out
    assert "\\x1b[2Jkey" in out


def test_json_jsonl_and_csv_carry_the_values_exactly() -> None:
    """Only the table escapes: the machine formats print every value as the API sent it."""
    as_json = run("test", "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    assert orjson.loads(as_json.stdout_bytes) == [HOSTILE]
    lines = run("test", "--format", "jsonl").stdout_bytes.splitlines()
    assert [orjson.loads(line) for line in lines] == [HOSTILE]
    text = run("test", "--format", "csv").stdout_bytes.decode()
    assert list(csv.DictReader(io.StringIO(text, newline=""))) == [
        {key: str(value) for key, value in HOSTILE.items()}
    ]


@pytest.mark.parametrize("command", [["test"], ["paths"], ["test", "--fields", "all"]])
def test_a_table_on_a_terminal_is_plain_too(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the table is drawn by rich, still with markup off and escapes shown."""
    # CliRunner's streams say they are no terminal; make them say they are one.
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True)
    result = run(*command)
    assert result.exit_code == 0, result.output
    for sent in ("\x1b[31m", "\x1b[2J", "\x07", "\r"):
        assert sent not in result.output
    if command[0] == "test":
        assert "\\x1b[31mred" in result.stdout and "[/]" in result.stdout


# --- every other command ----------------------------------------------------------------------

HOSTILE_TEXT = "[/] and [bold]x[/bold] and \x1b[2J\x1b]0;title\x07"


def plain(output: str) -> None:
    """No escape sequence or bell reached the terminal, and nothing crashed."""
    assert "\x1b" not in output and "\x07" not in output, output
    assert "this is a bug" not in output, output


def test_templates_and_check_routes_show_a_corrected_path_as_typed(tmp_path: Path) -> None:
    """A flow's `templates:` path with markup in it used to crash both commands."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        'templates:\n  create_contact:\n    path: "/v1/clients/{clientId}/[/]x[bold]"\n'
    )
    runner = CliRunner()
    detail = runner.invoke(cli, ["templates", "--flow", str(flow), "create_contact"])
    listing = runner.invoke(cli, ["templates", "--flow", str(flow)], env={"COLUMNS": "400"})
    for result in (detail, listing):
        assert result.exit_code == 0, result.output
        assert "[/]x[bold]" in result.output
    body = b'{"message": "nothing here"}'
    with serving(body) as base_url:
        env = {"CLIENTSUCCESS_BASE_URL": base_url, "CLIENTSUCCESS_API_KEY": "k-terminal-test",
               "COLUMNS": "400"}  # fmt: skip
        checked = runner.invoke(
            cli, ["check-routes", "--flow", str(flow), "create_contact"], env=env
        )
    plain(checked.output)
    assert "[/]x[bold]" in checked.output


def test_sync_summary_schema_and_errors_print_api_text_plainly(tmp_path: Path) -> None:
    """Field names become columns (`schema`), an error body reaches the summary and the
    error line: all escaped, markup shown as typed."""

    def api(request: Received, server: HostileServer) -> bytes:
        if request.target.startswith("/api/v1/good"):
            body = orjson.dumps({"data": [HOSTILE]})
            return response(200, body, {"Content-Type": "application/json"})
        return response(500, HOSTILE_TEXT.encode(), {"Content-Type": "text/plain"})

    flow = tmp_path / "flow.yaml"
    dest = f"duckdb:///{tmp_path / 'out.duckdb'}"
    flow.write_text(
        "sources:\n"
        "  good: {url: /good, data_path: '$.data[*]', primary_key: [id]}\n"
        "  bad: {url: /bad, data_path: '$.data[*]', primary_key: [id]}\n"
        f"destination: {dest}\n"
        "connection: {max_attempts: 1}\n"
    )
    runner = CliRunner()
    with HostileServer(api) as server:
        env = {"CLIENTSUCCESS_BASE_URL": server.origin + "/api/v1",
               "CLIENTSUCCESS_API_KEY": "k-terminal-test", "COLUMNS": "400"}  # fmt: skip
        synced = runner.invoke(cli, ["sync", "--flow", str(flow)], env=env)
        failed = runner.invoke(cli, ["test", "--url", "/bad"], env=env)
    assert synced.exit_code == 1, synced.output
    plain(synced.output)
    assert "[/] and [bold]x[/bold] and \\x1b[2J" in synced.output
    assert failed.exit_code == 1, failed.output
    plain(failed.output)
    assert "error: " in failed.output and "\\x1b[2J" in failed.output
    shown = runner.invoke(cli, ["schema", "good", "--destination", dest])
    assert shown.exit_code == 0, shown.output
    plain(shown.output)
    assert "\\x1b[2Jkey" in shown.output


def test_write_dry_run_and_row_errors_print_input_values_plainly(
    tmp_path: Path, simulator: SimulatorHandle
) -> None:
    """Values from an input file, printed in a dry run's requests and in row errors."""
    rows = tmp_path / "pulses.csv"
    rows.write_text(f'clientId,note\n1,"{HOSTILE_TEXT}"\nnot-a-number,"{HOSTILE_TEXT}"\n')
    runner = CliRunner()
    dry = runner.invoke(
        cli, ["write", "create_pulse", "--input", str(rows), "--dry-run"], env=simulator.env()
    )
    plain(dry.output)
    assert "[/] and [bold]x[/bold]" in dry.output
    real = runner.invoke(cli, ["write", "create_pulse", "--input", str(rows)], env=simulator.env())
    assert real.exit_code == 1, real.output
    plain(real.output)
    assert "row 2:" in real.output
