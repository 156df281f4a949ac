"""`demo`: simulator in-process, every default stream synced into a local DuckDB, results shown."""

from __future__ import annotations

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
from clientsuccess_connector.locations import parse_destination
from clientsuccess_connector.read.default_streams import default_sources
from clientsuccess_connector.read.endpoint import resolve
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.syncing import sync

DEMO_DESTINATION = "duckdb:///clientsuccess-demo.duckdb"
EXAMPLE_QUERIES = {
    "Clients at risk (latest Pulse is high or severe risk)": """
        SELECT c.name, latest.dispositionType, latest.createdTimestamp
        FROM (SELECT * FROM pulses QUALIFY row_number() OVER
              (PARTITION BY clientId ORDER BY createdTimestamp DESC) = 1) AS latest
        JOIN clients c ON c.id = latest.clientId
        WHERE latest.dispositionType IN ('HIGH_RISK', 'SEVERE_RISK')
        ORDER BY latest.createdTimestamp DESC LIMIT 5""",
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

    Shows the per-stream summary, the row counts the database now holds next to the
    simulator's own counts, and a few example queries. No credentials or network needed.
    """
    root: dict[str, Any] = ctx.find_root().params
    from clientsuccess_connector.simulator.server import run_simulator  # noqa: PLC0415 (extra)

    with run_simulator(clients=clients, seed=1) as sim:
        notice(f"simulator serving {sim.api_v1_url} ({clients} clients)")
        settings = ConnectionSettings(base_url=sim.api_v1_url, api_key=sim.api_key)
        sources = {name: resolve(spec) for name, spec in default_sources().items()}
        with open_connection(None, settings=settings) as connection, open_sink(destination) as sink:
            results = sync(connection, sink, sources)
            print_summary(results, as_json=root.get("log_format") == "json")
            counts = [
                cells(name, f"{sink.row_count(name):,}", f"{len(sim.store.records(name)):,}")
                for name in default_sources()
            ]
            print_table(["table", "rows in destination", "records in simulator"], counts)
    location = parse_destination(destination)
    if location.kind == "duckdb" and location.path is not None:
        _show_queries(str(location.path))
        echo(f"\nData is in {location.masked}. Try: duckdb {location.path}")
    else:
        echo(f"\nData is in {location.masked}.")
    echo(
        "Browse it in the studio: write a flow file with the line "
        f"`destination: {location.masked}`, then run "
        "`clientsuccess-connector studio --flow FILE` (`clientsuccess-connector docs studio`)."
    )
