"""`demo`: simulator in-process, every default stream synced into a local DuckDB, results shown."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import click
import duckdb

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.logs import notice
from clientsuccess_connector.cli.options import open_connection
from clientsuccess_connector.cli.output import cell, print_table
from clientsuccess_connector.cli.sync import print_summary
from clientsuccess_connector.cli.terminal import cells, echo
from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.connection.locations import parse_destination
from clientsuccess_connector.health import HealthRules, health_report
from clientsuccess_connector.read.default_streams import default_sources
from clientsuccess_connector.read.endpoint import resolve
from clientsuccess_connector.simulator.health import drift
from clientsuccess_connector.sinks import Sink, open_sink
from clientsuccess_connector.syncing.run import StreamResult, sync

DEMO_DESTINATION = "duckdb:///clientsuccess-demo.duckdb"
EXAMPLE_QUERIES = {
    "Clients at risk (latest Pulse is high or severe risk)": """
        SELECT c.name, latest.dispositionType, latest.createdTimestamp
        FROM (SELECT * FROM pulses QUALIFY row_number() OVER
              (PARTITION BY clientId ORDER BY createdTimestamp DESC) = 1) AS latest
        JOIN clients c ON c.id = latest.clientId
        WHERE latest.dispositionType IN ('HIGH_RISK', 'SEVERE_RISK')
        ORDER BY latest.createdTimestamp DESC LIMIT 5""",
    "Every successScore a client went through (clients__history)": """
        SELECT id, name, successScore, _cs_valid_from, _cs_valid_to
        FROM clients__history WHERE id = (SELECT id FROM clients__history
              GROUP BY id HAVING count(*) > 1 ORDER BY id LIMIT 1)
        ORDER BY _cs_valid_from""",
    "Notes per interaction type": """
        SELECT interactionTypeId, count(*) AS notes FROM client_notes
        GROUP BY ALL ORDER BY notes DESC""",
}


def _show_queries(path: str) -> None:
    with duckdb.connect(path, read_only=True) as db:
        for title, sql in EXAMPLE_QUERIES.items():
            echo(f"\n{title}")
            echo(" ".join(sql.split()))
            cursor = db.execute(sql)
            rows = [[cell(v) for v in row] for row in cursor.fetchall()]
            print_table([d[0] for d in cursor.description], rows)


HISTORY_STREAMS = ("clients", "contracts", "contacts")
"""The default streams whose values drift: the demo keeps every version of them."""


def _show_health(sink: Sink) -> None:
    """The at-risk clients `report health` finds, five of them with their rule."""
    report = health_report(sink, HealthRules())
    echo(
        f"\nCustomer health on {report.as_of.date().isoformat()}: "
        f"{len(report.at_risk)} of {len(report.rows)} clients at risk"
    )
    rows = [cells(r["client"], cell(r["arr_at_stake"]), r["reason"]) for r in report.at_risk[:5]]
    print_table(["client", "arr_at_stake", "why"], rows)


@cli.command()
@click.option(
    "--destination",
    default=DEMO_DESTINATION,
    show_default=True,
    metavar="URL",
    help="Where to land the demo data.",
)
@click.option("--clients", default=200, show_default=True, help="Simulated clients.")
@click.pass_context
def demo(ctx: click.Context, destination: str, clients: int) -> None:  # fmt: skip
    """Run the simulator in-process and sync every default stream into a local database.

    Syncs twice, letting time pass in between (scores drift, contracts renew or lapse, contacts
    change title), with history on for clients, contracts and contacts, so every version lands
    in their `__history` tables. Then shows the per-stream summary, the row counts beside the
    simulator's own, the clients at risk (`report health`) and a few example queries. No
    credentials or network needed.
    """
    root: dict[str, Any] = ctx.find_root().params
    from clientsuccess_connector.simulator.server import run_simulator  # noqa: PLC0415 (extra)

    with run_simulator(clients=clients, seed=1) as sim:
        notice(f"simulator serving {sim.api_v1_url} ({clients} clients)")
        settings = ConnectionSettings(base_url=sim.api_v1_url, api_key=sim.api_key)
        sources = {
            name: resolve(replace(spec, history="scd2") if name in HISTORY_STREAMS else spec)
            for name, spec in default_sources().items()
        }
        with open_connection(None, settings=settings) as connection, open_sink(destination) as sink:
            results = sync(connection, sink, sources)
            moved = drift(sim.store)
            notice(
                f"time passes: {moved['clients']} client scores drift, {moved['contracts']} "
                f"contract changes (renewals, lapses), {moved['contacts']} contacts change "
                "title; syncing again"
            )
            again = sync(connection, sink, sources)
            print_summary(_combined(results, again), as_json=root.get("log_format") == "json")
            counts = [
                cells(name, f"{sink.row_count(name):,}", f"{len(sim.store.records(name)):,}")
                for name in default_sources()
            ]
            counts += [
                cells(f"{name}__history", f"{sink.row_count(name + '__history'):,}", "versions")
                for name in HISTORY_STREAMS
            ]
            print_table(["table", "rows in destination", "records in simulator"], counts)
            if callable(getattr(sink, "query", None)):
                _show_health(sink)
    location = parse_destination(destination)
    if location.kind == "duckdb" and location.path is not None:
        _show_queries(str(location.path))
        echo(f"\nData is in {location.masked}. Try: duckdb {location.path}")
    else:
        echo(f"\nData is in {location.masked}.")
    echo(
        "\nNext:\n"
        f"  clientsuccess-connector report health --at-risk --destination {location.masked}\n"
        "      every client at risk and the rule that flagged it (`docs health`)\n"
        "  the studio's Health screen: write a flow file with the line "
        f"`destination: {location.masked}`,\n"
        "      run `clientsuccess-connector studio --flow FILE` and open Health: the at-risk "
        "list, each client's score over time\n"
        "      and Pulse dispositions per week (`clientsuccess-connector docs studio`)"
    )


def _combined(first: list[StreamResult], second: list[StreamResult]) -> list[StreamResult]:
    """One result per stream for both syncs: records, requests and time added up."""
    later = {r.stream: r for r in second}
    out = []
    for result in first:
        other = later.get(result.stream)
        if other is not None:
            result.records += other.records
            result.requests += other.requests
            result.retries += other.retries
            result.seconds += other.seconds
            result.error = result.error or other.error
            result.cursor = other.cursor
        out.append(result)
    return out
