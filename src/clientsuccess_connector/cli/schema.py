"""CLI command `schema`: show the columns and types of a stream in a destination."""

from __future__ import annotations

from typing import Any

import click
import orjson

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.terminal import cells, echo
from clientsuccess_connector.sinks import Sink, open_sink

DEFAULT_DESTINATION = "duckdb:///clientsuccess.duckdb"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


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
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def schema(stream: str | None, destination: str, as_json: bool) -> None:
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
    """
    with open_sink(destination, read_only=True) as sink:
        if stream is None:
            _list_streams(sink, as_json)
            return
        columns = sink.schema(stream)
        rows = sink.row_count(stream)
    if as_json:
        doc: dict[str, Any] = {
            "stream": stream,
            "destination": sink.url,
            "rows": rows,
            "columns": [{"name": c.name, "type": c.type, "nullable": c.nullable} for c in columns],
        }
        click.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        return
    noun = "row" if rows == 1 else "rows"
    echo(f"{stream} in {sink.url}: {rows:,} {noun}, {len(columns)} columns\n")
    body = [cells(c.name, c.type, "yes" if c.nullable else "no") for c in columns]
    click.echo(_table(["column", "type", "nullable"], body))


def _list_streams(sink: Sink, as_json: bool) -> None:
    entries = [
        {"stream": name, "rows": sink.row_count(name), "columns": len(sink.schema(name))}
        for name in sink.streams()
    ]
    if as_json:
        doc = {"destination": sink.url, "streams": entries}
        click.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        return
    if not entries:
        echo(f"no streams in {sink.url} yet; run `clientsuccess-connector sync` first")
        return
    echo(f"streams in {sink.url}:\n")
    body = [cells(e["stream"], f"{e['rows']:,}", e["columns"]) for e in entries]
    click.echo(_table(["stream", "rows", "columns"], body))
