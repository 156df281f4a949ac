"""CLI group `report`: reports over synced data; `report health` is customer health."""

from __future__ import annotations

from pathlib import Path

import click

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.options import load_flow_option
from clientsuccess_connector.cli.output import cell, emit, format_option, print_table
from clientsuccess_connector.cli.terminal import echo
from clientsuccess_connector.health import HealthRules, health_report
from clientsuccess_connector.health.report import COLUMNS, parse_as_of
from clientsuccess_connector.sinks import open_sink

DEFAULT_DESTINATION = "duckdb:///clientsuccess.duckdb"
_TABLE_COLUMNS = (
    "client_id", "client", "disposition", "score", "change_30d", "change_90d",
    "days_since_pulse", "arr_at_stake", "next_renewal", "reason",
)  # fmt: skip


@cli.group()
def report() -> None:
    """Reports over what `sync` landed in DuckDB or PostgreSQL (see `report health`)."""


@report.command("health")
@click.option(
    "--destination",
    "-d",
    metavar="URL",
    help=f"Where the data was synced [flow's destination, else {DEFAULT_DESTINATION}].",
)
@click.option(
    "--flow",
    "flow_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Flow file whose `health: at_risk:` rules (and destination) to use.",
)
@click.option(
    "--as-of",
    metavar="DATE",
    help="Report on this day (YYYY-MM-DD), an ISO date-time, or `today`  "
    "[default: the moment of the newest Pulse synced].",
)
@click.option("--at-risk", "only_at_risk", is_flag=True, help="List only clients at risk.")
@click.option("--show-sql", is_flag=True, help="Print the SQL the report runs, and nothing else.")
@format_option(
    "How to print the report; json, jsonl and csv carry every column (status, "
    "days_since_note, at_risk, at_risk_rule too)."
)
def health_command(
    destination: str | None,
    flow_file: Path | None,
    as_of: str | None,
    only_at_risk: bool,
    show_sql: bool,
    fmt: str,
) -> None:  # fmt: skip
    """Customer health per client, and which clients are at risk and why.

    For each client: the latest Pulse disposition and score, the score change over 30 and 90
    days, days since the last Pulse and the last note, the ARR of its running contracts (the
    value at stake), the next renewal, and an at-risk flag naming the rule that raised it.
    Rules and their defaults are in `clientsuccess-connector docs health`; a flow's
    `health: {at_risk: {...}}` changes them. Needs the clients and pulses streams synced
    (client_notes and contracts add their columns). Runs as one SQL statement on DuckDB or
    PostgreSQL; --show-sql prints it.

    \b
    Examples:
      clientsuccess-connector report health
      clientsuccess-connector report health --at-risk --destination duckdb:///clientsuccess-demo.duckdb
      clientsuccess-connector report health --flow flow.yaml --as-of 2025-06-30 --format csv
      clientsuccess-connector report health --show-sql
    """
    flow = load_flow_option(flow_file)
    rules = HealthRules.from_mapping(flow.health if flow else None, f"{flow_file}: health")
    target = destination or (flow.destination if flow else None) or DEFAULT_DESTINATION
    naming = flow.naming if flow else None
    with open_sink(target, read_only=True, naming=naming) as sink:
        result = health_report(sink, rules, parse_as_of(as_of))
    if show_sql:
        click.echo(result.sql)
        return
    rows = result.at_risk if only_at_risk else result.rows
    if fmt != "table":
        document = {
            "destination": sink.url, "as_of": result.as_of.isoformat(),
            "rules": rules.describe(), "clients": len(result.rows),
            "at_risk": len(result.at_risk), "rows": rows,
        }  # fmt: skip
        emit(rows, fmt, list(COLUMNS), document=document)
        return
    echo(
        f"Health on {result.as_of.date().isoformat()} in {sink.url}: "
        f"{len(result.at_risk):,} of {len(result.rows):,} clients at risk\n"
        f"at risk when: {rules.describe()}\n"
    )
    body = [[cell(row[name]) for name in _TABLE_COLUMNS] for row in rows]
    print_table(list(_TABLE_COLUMNS), body)
