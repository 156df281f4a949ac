"""CLI command `schema`: show the columns and types of a stream in a destination."""

from __future__ import annotations

import click

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.output import emit, format_option, print_table
from clientsuccess_connector.cli.terminal import cells, echo
from clientsuccess_connector.sinks import Sink, open_sink

DEFAULT_DESTINATION = "duckdb:///clientsuccess.duckdb"


@cli.command()
@click.argument("stream", required=False)
@click.option(
    "--destination",
    "-d",
    default=DEFAULT_DESTINATION,
    show_default=True,
    metavar="URL",
    help="Where the data was synced: duckdb:///file.duckdb, postgresql://user@host/db"
    "[?schema=S], jsonl:///dir, csv:///dir or parquet:///dir.",
)
@format_option("How to print the columns (or, without STREAM, the streams).")
def schema(stream: str | None, destination: str, fmt: str) -> None:
    """Show the columns of STREAM's table: name, type and whether it may be null.

    Types are inferred from the data: integer, float, boolean, timestamp, text or json
    (nested objects and arrays). A column widens when later data needs it
    (integer -> float -> text; anything -> json) and never loses values.
    `_cs_synced_at` is when each row was last written.

    Without STREAM, list every stream in the destination with its row and column counts.

    \b
    Examples:
      clientsuccess-connector schema
      clientsuccess-connector schema client_notes
      clientsuccess-connector schema clients --destination postgresql://me@db/crm?schema=cs --json
      clientsuccess-connector schema clients --format csv
    """
    with open_sink(destination, read_only=True) as sink:
        if stream is None:
            _list_streams(sink, fmt)
            return
        columns = sink.schema(stream)
        rows = sink.row_count(stream)
    listed = [{"name": c.name, "type": c.type, "nullable": c.nullable} for c in columns]
    if fmt != "table":
        doc = {"stream": stream, "destination": sink.url, "rows": rows, "columns": listed}
        emit(listed, fmt, document=doc)
        return
    noun = "row" if rows == 1 else "rows"
    echo(f"{stream} in {sink.url}: {rows:,} {noun}, {len(columns)} columns\n")
    body = [cells(c.name, c.type, "yes" if c.nullable else "no") for c in columns]
    print_table(["column", "type", "nullable"], body)


def _list_streams(sink: Sink, fmt: str) -> None:
    entries = [
        {"stream": name, "rows": sink.row_count(name), "columns": len(sink.schema(name))}
        for name in sink.streams()
    ]
    if fmt != "table":
        emit(entries, fmt, document={"destination": sink.url, "streams": entries})
        return
    if not entries:
        echo(f"no streams in {sink.url} yet; run `clientsuccess-connector sync` first")
        return
    echo(f"streams in {sink.url}:\n")
    body = [cells(e["stream"], f"{e['rows']:,}", e["columns"]) for e in entries]
    print_table(["stream", "rows", "columns"], body)
