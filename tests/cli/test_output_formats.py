"""Listings pipe whole: every value intact off a terminal; --format json|jsonl|csv everywhere."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clientsuccess_connector.catalog import catalog
from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.sinks import open_sink


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def test_piped_templates_hold_every_name_whole() -> None:
    """`templates | grep transcr` prints the whole name, which `templates NAME` then knows."""
    result = run("templates")
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    first_column = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert first_column == list(catalog())
    hit = next(line for line in result.stdout.splitlines() if "transcr" in line)
    name = hit.split()[0]
    assert name == "create_client_note_from_transcript"
    assert run("templates", name).exit_code == 0
    long_description = max((t.description for t in catalog().values()), key=len)
    assert long_description in result.stdout


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_templates_in_every_format(fmt: str) -> None:
    """The same names come out as JSON, JSON lines and CSV."""
    out = run("templates", "--format", fmt).stdout
    if fmt == "json":
        rows = json.loads(out)
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.splitlines()]
    else:
        rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["name"] for r in rows] == list(catalog())
    assert {"name", "kind", "method", "path", "description"} <= set(rows[0])


def test_json_is_format_json_and_the_two_cannot_disagree() -> None:
    """`--json` is an alias of `--format json`; `--json --format csv` is bad usage (exit 2)."""
    assert run("templates", "--json").stdout == run("templates", "--format", "json").stdout
    detail = json.loads(run("templates", "search_pulses", "--json").stdout)
    assert detail["name"] == "search_pulses" and detail["params"]
    clash = run("templates", "--json", "--format", "csv")
    assert clash.exit_code == 2 and "--json means --format json" in clash.output


def test_template_fields_as_csv() -> None:
    """`templates NAME --format csv` is one row per field."""
    rows = list(csv.DictReader(io.StringIO(run("templates", "search_pulses",
                                                "--format", "csv").stdout)))  # fmt: skip
    assert rows[0]["name"] == "clientId" and rows[0]["in"] == "query"


def test_piped_test_shows_every_top_level_field(shared_simulator: SimulatorHandle) -> None:
    """`test search_pulses` piped shows every field, `currentScore` and nested ones included."""
    result = run("test", "search_pulses", "--limit", "3", env=shared_simulator.env())
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split()
    assert "currentScore" in header and "reasonCodes" in header
    sample = shared_simulator.store.records("pulses")[0]
    assert set(header) == set(sample)
    assert "not shown" not in result.stderr


def test_fields_picks_and_orders_columns(shared_simulator: SimulatorHandle) -> None:
    """`--fields id,currentScore` shows exactly those, in every format; a wrong name is exit 2."""
    env = shared_simulator.env()
    table = run("test", "search_pulses", "--limit", "2", "--fields", "currentScore,id", env=env)
    assert table.stdout.splitlines()[0].split() == ["currentScore", "id"]
    assert "field(s) not shown" in table.stderr and "--fields all" in table.stderr
    rows = [json.loads(line) for line in run("test", "search_pulses", "--limit", "2", "--fields",
                                              "id,currentScore", "--format", "jsonl",
                                              env=env).stdout.splitlines()]  # fmt: skip
    assert [list(r) for r in rows] == [["id", "currentScore"]] * 2
    wrong = run("test", "search_pulses", "--limit", "2", "--fields", "id,curentScore", env=env)
    assert wrong.exit_code == 2
    assert "no field curentScore" in wrong.output and "currentScore" in wrong.output


def test_schema_in_every_format(tmp_path: Path) -> None:
    """`schema NAME` as CSV or JSON lines is one row per column; JSON keeps its document."""
    url = f"duckdb:///{tmp_path / 'x.duckdb'}"
    with open_sink(url) as sink:
        sink.write_batch("notes", [{"id": 1, "subject": "a very long subject " * 10}], ["id"])
    rows = list(csv.DictReader(io.StringIO(run("schema", "notes", "-d", url,
                                                "--format", "csv").stdout)))  # fmt: skip
    assert [(r["name"], r["type"]) for r in rows][:2] == [("id", "integer"), ("subject", "text")]
    lines = run("schema", "-d", url, "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["stream"] for line in lines] == ["notes"]
    assert json.loads(run("schema", "notes", "-d", url, "--json").stdout)["rows"] == 1


def test_credentials_list_as_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`credentials list --format csv` lists the environment credential, never its secret."""
    monkeypatch.setenv("CLIENTSUCCESS_CONFIG_DIR", str(tmp_path))
    env = {"CLIENTSUCCESS_API_KEY": "k-csv-secret", "CLIENTSUCCESS_BASE_URL": "https://x.test/v2"}
    out = run("credentials", "list", "--format", "csv", env=env).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[-1]["name"] == "environment" and rows[-1]["base_url"] == "https://x.test/v2"
    assert "k-csv-secret" not in out


def test_check_routes_as_json_lines(simulator: SimulatorHandle) -> None:
    """`check-routes --format jsonl` is one verdict per line."""
    result = run("check-routes", "search_pulses", "create_pulse", "--format", "jsonl",
                 env=simulator.env())  # fmt: skip
    assert result.exit_code == 0, result.output
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [v["template"] for v in verdicts] == ["search_pulses", "create_pulse"]


def test_sync_summary_on_stdout_as_csv(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """`sync --format csv` prints one summary row per stream on stdout, every name whole."""
    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    result = run("sync", "--stream", "clients", "--stream", "products", "--destination", url,
                 "--format", "csv", env=simulator.env())  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["stream"] for r in rows] == ["clients", "products"]
    assert int(rows[0]["records"]) == len(simulator.store.records("clients"))


def test_write_summary_as_json_keeps_stdout_parseable(tmp_path: Path) -> None:
    """`write --dry-run --format json`: the summary is the only thing on stdout."""
    data = tmp_path / "pulses.csv"
    data.write_text("clientId,note\n1,fine\n2,good\n", encoding="utf-8")
    result = run("write", "create_pulse", "--input", str(data), "--dry-run", "--format", "json",
                 env={"CLIENTSUCCESS_API_KEY": "k"})  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["template"] == "create_pulse" and summary["ok"] == 2 and summary["dry_run"]
    assert "POST" in result.stderr


def test_a_closed_pipe_is_not_reported_as_a_bug() -> None:
    """`templates | head -1` ends quietly, exit 141 as a SIGPIPE'd tool: no 'this is a bug'."""
    with subprocess.Popen(
        [sys.executable, "-m", "clientsuccess_connector", "templates", "--format", "jsonl"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as proc:  # fmt: skip
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader is gone before the first line is written
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    assert "this is a bug" not in err and "Traceback" not in err
    assert err == ""
    assert code == 141  # what a shell reports for a tool stopped by SIGPIPE (128 + 13)


def test_plain_tables_align_wide_characters_by_terminal_cells() -> None:
    """A CJK name takes two cells per character; the next column still lines up."""

    from clientsuccess_connector.cli.output import cell_len, plain_table

    lines = plain_table(["name", "n"], [["北京科技 Group", "1"], ["Wayne", "2"]]).splitlines()
    columns = [cell_len(line[: line.rindex(v)]) for line, v in zip(lines, "n12", strict=True)]
    assert columns == [16, 16, 16]  # "北京科技 Group" is 14 cells wide, then two spaces
