"""`verify`: compare a destination with the server by id, write nothing, exit 1 on drift."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.options import (
    ConnectionOptions,
    credential_option,
    load_flow_option,
    open_connection,
)
from clientsuccess_connector.cli.output import cell, emit, format_option, print_table
from clientsuccess_connector.cli.terminal import echo
from clientsuccess_connector.connection.locations import parse_destination
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.compile import compile_sources
from clientsuccess_connector.read.fanout import load_lookups
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.syncing.streams import select_sources
from clientsuccess_connector.syncing.verifying import (
    DEFAULT_SHOWN_IDS,
    DRIFT,
    ERROR,
    OK,
    UNVERIFIABLE,
    StreamCheck,
    verify,
)

DEFAULT_DESTINATION = "duckdb:///clientsuccess.duckdb"
_HINTS = {
    "missing": "missing in the destination (not synced yet, or skipped: `sync --full-refresh` "
    "reads them)",
    "extra": "no longer on the server (deleted there, or no longer selected; `sync "
    "--full-refresh` marks them deleted where it reconciles deletions)",
    "stale": "older in the destination than on the server (not synced yet, or skipped: `sync "
    "--full-refresh` reads them again)",
    "duplicates": "stored more than once",
}


def check_row(check: StreamCheck) -> dict[str, Any]:
    """One stream's comparison as flat JSON-ready values (every `--format`); the counts of
    differences are null for a stream that was not compared."""
    compared = check.destination_rows is not None
    counts = {kind: getattr(check, kind).count if compared else None
              for kind in ("missing", "extra", "stale", "duplicates")}  # fmt: skip
    return {
        "stream": check.stream, "status": check.status, "reason": check.reason or None,
        "server_ids": check.server_ids, "server_rows": check.server_rows,
        "destination_rows": check.destination_rows,
        "destination_deleted": check.destination_deleted,
        "server_newest": check.server_newest, "destination_newest": check.destination_newest,
        **counts,
        "missing_ids": check.missing.ids, "extra_ids": check.extra.ids,
        "stale_ids": check.stale.ids, "duplicate_ids": check.duplicates.ids,
        "requests": check.requests,
    }  # fmt: skip


def report(checks: list[StreamCheck], destination: str) -> dict[str, Any]:
    """The whole check as one JSON document (`--format json`)."""
    drifted = [c.stream for c in checks if c.status == DRIFT]
    failed = [c.stream for c in checks if c.status == ERROR]
    return {
        "status": ERROR if failed else DRIFT if drifted else OK,
        "destination": parse_destination(destination).masked,
        "drifted_streams": drifted,
        "failed_streams": failed,
        "streams": [check_row(c) for c in checks],
    }


def _number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def print_report(checks: list[StreamCheck], destination: str) -> None:
    """A table (one row per stream), each difference's ids, and a closing verdict."""
    headers = ["stream", "server", "destination", "missing", "not on server", "stale",
               "newest on server", "newest in destination", "status"]  # fmt: skip
    rows = [check_row(c) for c in checks]
    body = [
        [r["stream"], _number(r["server_ids"]), _number(r["destination_rows"]),
         _number(r["missing"]), _number(r["extra"]), _number(r["stale"]),
         r["server_newest"] or "", r["destination_newest"] or "",
         cell(f"{r['status']}: {r['reason']}" if r["reason"] else r["status"])]
        for r in rows
    ]  # fmt: skip
    print_table(headers, body)
    for c in checks:
        for kind, what in _HINTS.items():
            difference = getattr(c, kind)
            if difference.count:
                shown = ", ".join(cell(i) for i in difference.ids)
                more = difference.count - len(difference.ids)
                tail = f" and {more:,} more" if more > 0 else ""
                echo(f"{c.stream}: {difference.count:,} {what}: {shown}{tail}")
    doc = report(checks, destination)
    where = doc["destination"]
    if doc["status"] == OK:
        skipped = [c.stream for c in checks if c.status == UNVERIFIABLE]
        aside = f" ({', '.join(skipped)} not verifiable)" if skipped else ""
        echo(f"ok: every verifiable stream in {where} matches the server{aside}")
        return
    parts = []
    if drifted := doc["drifted_streams"]:
        parts.append(
            f"{', '.join(drifted)} differ{'s' if len(drifted) == 1 else ''} from the server"
        )
    if failed := doc["failed_streams"]:
        parts.append(f"{', '.join(failed)} could not be verified")
    echo(f"{doc['status']}: {'; '.join(parts)} ({where})")


@cli.command(name="verify")
@click.option(
    "--flow",
    "flow_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Flow file whose sources to verify (default: the six default streams).",
)
@click.option(
    "--stream", "streams", multiple=True, metavar="NAME", help="Only this stream (repeatable)."
)
@click.option(
    "--destination",
    metavar="URL",
    help=f"The destination a sync wrote: duckdb:///F, postgresql://..., jsonl:///DIR, "
    f"csv:///DIR or parquet:///DIR [flow's destination, else {DEFAULT_DESTINATION}].",
)
@click.option(
    "--max-ids",
    type=click.IntRange(min=0),
    default=DEFAULT_SHOWN_IDS,
    show_default=True,
    metavar="N",
    help="Ids listed per kind of difference (the counts are always whole); 0 lists them all.",
)
@format_option(
    "How to print the result: a table, then the ids that differ; json: one document with "
    "status, destination, drifted_streams, failed_streams and per stream the counts, newest "
    "stamps and ids; jsonl or csv: one row per stream."
)
@credential_option
def verify_command(
    fmt: str,
    credential: str | None,
    flow_file: Path | None,
    streams: tuple[str, ...],
    destination: str | None,
    max_ids: int,
) -> None:
    """Compare a destination with the server by id; write nothing; exit 1 on drift.

    For each stream it reads the ids the source selects on the server (its own read, paged
    until an empty page; it trusts neither the sync's state nor its cursor) and the rows in
    the destination, then lists ids missing in the destination, rows (not marked deleted)
    the server no longer lists, rows older than the server's version (stale, by the
    incremental field), and the counts and newest stamps on each side. A fan-out or filtered
    source is compared with what it selects. A source without a primary key, or capped by
    max_records/max_pages, is reported as not verifiable.

    Exit codes: 0 every verifiable stream matches, 1 drift (or a stream could not be read),
    2 bad configuration or a destination that cannot be opened.

    \b
    Examples:
      clientsuccess-connector verify
      clientsuccess-connector verify --stream clients --stream contacts
      clientsuccess-connector verify --destination postgresql://me@localhost/analytics
      clientsuccess-connector verify --flow flow.yaml --json | jq '.streams[] | {stream, status}'
      clientsuccess-connector verify --destination jsonl:///data/cs --format csv > drift.csv
      clientsuccess-connector sync && clientsuccess-connector verify || echo "drift"
    """
    flow = load_flow_option(flow_file)
    target = destination or (flow.destination if flow else None) or DEFAULT_DESTINATION
    compiled = compile_sources(flow, select_sources(flow, streams))
    if not compiled.sources:
        raise ConfigError("no streams to verify; check --flow and --stream")
    naming = flow.naming if flow else None
    with (
        open_sink(target, read_only=True, naming=naming) as sink,
        open_connection(flow, ConnectionOptions(credential=credential)) as connection,
    ):
        lookups = load_lookups(compiled.lookups, connection)
        checks = verify(
            connection, sink, compiled.sources, lookups=lookups, shown_ids=max_ids or None
        )
    if fmt == "table":
        print_report(checks, target)
    else:
        emit([check_row(c) for c in checks], fmt, document=report(checks, target))
    if any(c.status in (DRIFT, ERROR) for c in checks):
        sys.exit(1)
