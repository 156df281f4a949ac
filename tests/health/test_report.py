"""`report health`: the rules flag the right clients, with the same SQL on DuckDB and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.health import HealthRules, health_report
from clientsuccess_connector.health.report import COLUMNS, parse_as_of
from clientsuccess_connector.sinks import open_sink

pytest_plugins = ["tests.sinks.conftest"]

AS_OF = "2025-06-30"
CLIENTS = [
    {"id": 1, "name": "Steady Co", "status": "ACTIVE", "successScore": 80.0},
    {"id": 2, "name": "Sliding Ltd", "status": "ACTIVE", "successScore": 55.0},
    {"id": 3, "name": "Red Flag Inc", "status": "ACTIVE", "successScore": 70.0},
    {"id": 4, "name": "Silent GmbH", "status": "ACTIVE", "successScore": 75.0},
    {"id": 5, "name": "Gone SA", "status": "TERMINATED", "successScore": 10.0},
    {"id": 6, "name": 'Low & "Quoted"', "status": "TRIAL", "successScore": 20.0},
]
# (id, clientId, disposition, score, day): Pulses in June 2025 and before
PULSES = [
    (11, 1, "VERY_SATISFIED", 78.0, "2025-03-01"),
    (12, 1, "VERY_SATISFIED", 80.0, "2025-06-25"),
    (21, 2, "FAIRLY_SATISFIED", 75.0, "2025-03-20"),
    (22, 2, "FAIRLY_SATISFIED", 72.0, "2025-05-20"),
    (23, 2, "SOME_RISK", 55.0, "2025-06-20"),
    (31, 3, "HIGH_RISK", 70.0, "2025-06-28"),
    (41, 4, "VERY_SATISFIED", 75.0, "2024-12-01"),
    (51, 5, "SEVERE_RISK", 10.0, "2025-06-01"),
    (61, 6, "SOME_RISK", 20.0, "2025-06-10"),
]  # fmt: skip
NOTES = [(101, 1, "2025-06-29"), (102, 2, "2025-01-10")]
CONTRACTS = [  # (id, client, arr, start, end, terminated)
    (201, 1, 12000.0, "2025-01-01", "2025-12-31", None),
    (202, 2, 30000.0, "2024-09-01", "2025-08-31", None),
    (203, 2, 5000.0, "2023-01-01", "2023-12-31", None),
    (204, 3, 9000.0, "2025-01-01", "2025-12-31", "2025-05-01"),
]
EXPECTED_RULES = {
    1: None, 2: "score_drop_30d", 3: "dispositions", 4: "days_without_pulse", 5: None,
    6: "score_below",
}  # fmt: skip


def land(url: str) -> None:
    """The streams the report reads, written as a sync would."""
    with open_sink(url) as sink:
        sink.write_batch("clients", CLIENTS, ["id"])
        pulses = [
            {"id": i, "clientId": c, "dispositionType": d, "currentScore": s,
             "createdTimestamp": f"{day}T10:00:00.000Z"}
            for i, c, d, s, day in PULSES
        ]  # fmt: skip
        sink.write_batch("pulses", pulses, ["id"])
        notes = [{"id": i, "clientId": c, "createdTime": f"{d}T09:00:00.000Z"} for i, c, d in NOTES]
        sink.write_batch("client_notes", notes, ["id"])
        contracts = [
            {"id": i, "tenantClientId": c, "arr": a, "termStartDate": s, "termEndDate": e,
             "terminatedDate": t}
            for i, c, a, s, e, t in CONTRACTS
        ]  # fmt: skip
        sink.write_batch("contracts", contracts, ["id"])


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        url = str(request.getfixturevalue("postgres_url"))
    else:
        url = f"duckdb:///{tmp_path / 'h.duckdb'}"
    land(url)
    return url


def test_rules_flag_each_client_with_its_rule(sql_url: str) -> None:
    """Each client is flagged by the first rule that holds, with its figures."""
    with open_sink(sql_url, read_only=True) as sink:
        report = health_report(sink, HealthRules(), parse_as_of(AS_OF))
    rows = {row["client_id"]: row for row in report.rows}
    assert {cid: row["at_risk_rule"] for cid, row in rows.items()} == EXPECTED_RULES
    sliding = rows[2]
    assert sliding["score"] == 55.0 and sliding["disposition"] == "SOME_RISK"
    assert sliding["change_30d"] == -17.0 and sliding["change_90d"] == -20.0
    assert sliding["days_since_pulse"] == 10 and sliding["days_since_note"] == 171
    assert sliding["arr_at_stake"] == 30000.0 and sliding["next_renewal"] == "2025-08-31"
    assert sliding["reason"] == "score fell 17 in 30 days"
    assert rows[3]["arr_at_stake"] == 0  # its only contract was terminated
    assert rows[4]["reason"] == "no Pulse for 211 days"
    assert rows[5]["at_risk"] is False  # a terminated client is not at risk
    assert [r["client_id"] for r in report.at_risk] == [2, 3, 4, 6]  # most ARR first, then by id


def test_rules_come_from_the_flow(sql_url: str, tmp_path: Path) -> None:
    """`health: at_risk:` changes thresholds and turns rules off; json carries every column."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        f"destination: {sql_url}\nhealth:\n  at_risk:\n    score_drop_30d: null\n"
        "    dispositions: [SEVERE_RISK]\n    days_without_note: 100\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["report", "health", "--flow", str(flow), "--as-of", AS_OF, "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    rules = {row["client_id"]: row["at_risk_rule"] for row in doc["rows"]}
    assert rules == {1: None, 2: "days_without_note", 3: "days_without_note",
                     4: "days_without_pulse", 5: None, 6: "score_below"}  # fmt: skip
    assert doc["at_risk"] == 4 and list(doc["rows"][0]) == list(COLUMNS)


def test_every_format_and_show_sql(tmp_path: Path) -> None:
    """table, csv and jsonl list the same clients; --show-sql prints runnable SQL only."""
    url = f"duckdb:///{tmp_path / 'h.duckdb'}"
    land(url)
    base = ["report", "health", "-d", url, "--as-of", AS_OF, "--at-risk"]
    table = CliRunner().invoke(cli, base)
    assert table.exit_code == 0, table.output
    assert "4 of 6 clients at risk" in table.stdout and "Sliding Ltd" in table.stdout
    assert "Steady Co" not in table.stdout
    as_csv = CliRunner().invoke(cli, [*base, "--format", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    expected = ["Sliding Ltd", "Red Flag Inc", "Silent GmbH", 'Low & "Quoted"']
    assert [r["client"] for r in rows] == expected
    lines = CliRunner().invoke(cli, [*base, "--format", "jsonl"]).stdout.splitlines()
    assert [json.loads(line)["client_id"] for line in lines] == [2, 3, 4, 6]
    shown = CliRunner().invoke(cli, [*base, "--show-sql"]).stdout
    assert shown.startswith("-- Customer health on 2025-06-30") and "DISTINCT ON" in shown
    with duckdb.connect(str(tmp_path / "h.duckdb"), read_only=True) as db:
        assert len(db.execute(shown).fetchall()) == 6


def test_one_line_errors(tmp_path: Path) -> None:
    """A file destination, a missing stream and a bad date are exit 2 with the fix."""
    files = CliRunner().invoke(cli, ["report", "health", "-d", f"jsonl:///{tmp_path}"])
    assert files.exit_code == 2 and "DuckDB or PostgreSQL" in files.output
    url = f"duckdb:///{tmp_path / 'e.duckdb'}"
    with open_sink(url) as sink:
        sink.write_batch("clients", CLIENTS, ["id"])
    missing = CliRunner().invoke(cli, ["report", "health", "-d", url])
    assert missing.exit_code == 2 and "sync --stream pulses" in missing.output
    bad = CliRunner().invoke(cli, ["report", "health", "-d", url, "--as-of", "June"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_client_history_fills_a_score_change_pulses_cannot(sql_url: str) -> None:
    """A client whose first Pulse is recent gets its 30-day change from `clients__history`."""
    with open_sink(sql_url) as sink:
        sink.write_batch("clients", [{"id": 7, "name": "New Pulse", "status": "ACTIVE"}], ["id"])
        pulse = {"id": 71, "clientId": 7, "dispositionType": "FAIRLY_SATISFIED",
                 "currentScore": 50.0, "createdTimestamp": "2025-06-20T10:00:00.000Z"}  # fmt: skip
        sink.write_batch("pulses", [pulse], ["id"])
        versions = [
            {"id": 7, "successScore": 80.0, "_cs_valid_from": "2025-01-01T00:00:00.000Z",
             "_cs_valid_to": "2025-06-20T10:00:00.000Z"},
            {"id": 7, "successScore": 50.0, "_cs_valid_from": "2025-06-20T10:00:00.000Z",
             "_cs_valid_to": None},
        ]  # fmt: skip
        sink.write_batch("clients__history", versions, ["id", "_cs_valid_from"])
    with open_sink(sql_url, read_only=True) as sink:
        report = health_report(sink, HealthRules(), parse_as_of(AS_OF))
    row = next(r for r in report.rows if r["client_id"] == 7)
    assert row["change_30d"] == -30.0 and row["change_90d"] == -30.0
    assert row["at_risk_rule"] == "score_drop_30d" and "history_30d AS" in report.sql
