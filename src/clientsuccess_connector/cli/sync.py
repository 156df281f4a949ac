"""`sync`: read streams into DuckDB, PostgreSQL or files, incrementally and resumably."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.every import run_every
from clientsuccess_connector.cli.options import (
    ConnectionOptions,
    credential_option,
    load_flow_option,
    open_connection,
)
from clientsuccess_connector.cli.output import cell, emit, format_option, print_table
from clientsuccess_connector.cli.progress import StreamProgress
from clientsuccess_connector.cli.terminal import echo
from clientsuccess_connector.connection.locations import parse_destination
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.compile import compile_sources
from clientsuccess_connector.read.durations import parse_duration as parse_cadence
from clientsuccess_connector.read.endpoint import DELETES_CHOICES
from clientsuccess_connector.read.fanout import load_lookups
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.sinks.values import json_text
from clientsuccess_connector.syncing.run import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_DELETE_SHARE,
    StreamResult,
    SyncOptions,
    require_primary_keys,
    sync,
)
from clientsuccess_connector.syncing.streams import select_sources

if TYPE_CHECKING:
    from clientsuccess_connector.config.flow import Flow

DEFAULT_DESTINATION = "duckdb:///clientsuccess.duckdb"


def parse_duration(text: str) -> float:
    """`30s`, `15m`, `2h`, `1d` as seconds."""
    return parse_cadence(text, "--every").total_seconds()


def _status(result: StreamResult) -> str:
    """`ok` or the error, with what was done so that no value stopped the stream."""
    if result.skipped:
        return result.skipped
    status = "ok" if result.error is None else f"error: {result.error}"
    if result.error is None and result.capped is not None:
        status = f"capped at {result.capped:,} (max_records)"
    notes = list(result.notes)
    if result.repaired:
        notes.append(f"{result.repaired:,} value(s) with NUL or lone surrogates stored as U+FFFD")
    if result.rejected:
        notes.append(f"{result.rejected:,} record(s) set aside in _cs_rejects")
    if result.deletes == "soft":
        notes.append(f"{result.deleted:,} row(s) marked deleted")
    elif result.deletes == "hard":
        notes.append(f"{result.deleted:,} deleted row(s) removed")
    elif result.deletes:
        notes.append(result.deletes)
    return f"{status} ({'; '.join(notes)})" if notes else status


def stream_summary(result: StreamResult) -> dict[str, Any]:
    """One stream's outcome as JSON-ready values (`sync --json` and `--log-format json`)."""
    return {
        "stream": result.stream,
        "status": "error" if result.error is not None else "skipped" if result.skipped
        else "capped" if result.capped else "ok",
        "capped_at": result.capped, "notes": result.notes, "skipped": result.skipped or None,
        "records": result.records, "requests": result.requests, "retries": result.retries,
        "seconds": round(result.seconds, 3),
        "records_per_second": round(result.records_per_second, 1),
        "incremental": result.incremental, "repaired_values": result.repaired,
        "rejected_records": result.rejected, "deleted_rows": result.deleted,
        "deletes": result.deletes or None, "cursor": result.cursor, "error": result.error,
    }  # fmt: skip


def run_summary(results: list[StreamResult], destination: str, seconds: float) -> dict[str, Any]:
    """The whole run as one JSON document: what `sync --json` prints on stdout."""
    failed = [r.stream for r in results if r.error is not None]
    return {
        "status": "error" if failed else "ok",
        "destination": parse_destination(destination).masked,
        "records": sum(r.records for r in results),
        "failed_streams": failed,
        "duration_seconds": round(seconds, 3),
        "streams": [stream_summary(r) for r in results],
    }


def print_summary(results: list[StreamResult], *, as_json: bool, fmt: str = "table") -> None:
    """One row per stream: records, requests, retries, seconds, records/s.

    `fmt` jsonl or csv prints the rows on stdout, and so does a table (so `sync > run.txt`
    keeps it); under `as_json` (--log-format json) the rows are JSON log events on stderr."""
    if fmt != "table":
        emit([stream_summary(r) for r in results], fmt)
        return
    if as_json:
        for r in results:
            line = {"event": "stream_done", **stream_summary(r)}
            click.echo(orjson.dumps(line).decode(), err=True)
        return
    body = [
        [r.stream, f"{r.records:,}", f"{r.requests:,}", f"{r.retries:,}", f"{r.seconds:.1f}",
              f"{r.records_per_second:,.0f}", "incremental" if r.incremental else "full",
              cell(_status(r))]
        for r in results
    ]  # fmt: skip
    headers = ["stream", "records read", "requests", "retries", "seconds", "records/s", "mode",
               "status"]  # fmt: skip
    print_table(headers, body, err=False)


def run_sync(
    flow: Flow | None,
    destination: str,
    streams: tuple[str, ...],
    *,
    full_refresh: bool,
    batch_size: int,
    quiet: bool,
    log_format: str,
    credential: str | None = None,
    fmt: str = "table",
    deletes: str | None = None,
    max_delete_share: float = DEFAULT_MAX_DELETE_SHARE,
    history: bool = False,
) -> list[StreamResult]:
    """One sync run over every selected stream; returns the per-stream results.

    With `fmt` json the summary is one JSON document on stdout (instead of the table);
    jsonl or csv, one row per stream there."""
    started = time.monotonic()
    specs = select_sources(flow, streams)
    compiled = compile_sources(flow, specs)  # refuses what a run would, before any request
    sources = compiled.sources
    require_primary_keys(sources.values())
    with (
        open_connection(flow, ConnectionOptions(credential=credential)) as connection,
        open_sink(destination, naming=flow.naming if flow else None) as sink,
    ):
        lookups = load_lookups(compiled.lookups, connection)
        options = SyncOptions(
            full_refresh=full_refresh, batch_size=batch_size, lookups=lookups, deletes=deletes,
            max_delete_share=max_delete_share, history=history,
            server=flow.server if flow else None,
        )  # fmt: skip
        with StreamProgress(quiet=quiet, log_format=log_format) as progress:
            results = sync(
                connection, sink, sources, options, progress, on_progress=progress.on_read
            )
    if fmt == "json":
        summary = run_summary(results, destination, time.monotonic() - started)
        sys.stdout.write(json_text(summary) + "\n")
        sys.stdout.flush()
    elif fmt != "table":
        print_summary(results, as_json=False, fmt=fmt)
    elif not quiet:
        print_summary(results, as_json=log_format == "json")
        if log_format != "json":
            echo(f"destination: {describe_destination(destination)}", err=True)
    return results


def parse_share(text: str) -> float:
    """`50%` or `0.5` as 0.5; a ConfigError naming the option otherwise."""
    value = text.strip()
    try:
        share = float(value.removesuffix("%")) / (100 if value.endswith("%") else 1)
    except ValueError:
        share = -1.0
    if not 0 <= share <= 1:
        raise ConfigError(
            f"--max-delete-share {text!r} is not a share between 0 and 1 (or 0% and 100%); "
            "e.g. 50% or 0.5"
        )
    return share


def describe_destination(url: str) -> str:
    """The destination URL (masked), plus the absolute path it names for files and DuckDB."""
    location = parse_destination(url)
    if location.path is not None:
        return f"{location.masked} ({location.path.resolve()})"
    return location.masked


@cli.command(name="sync")
@click.option(
    "--flow",
    "flow_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Flow file whose sources to sync (default: the six default streams).",
)
@click.option(
    "--stream", "streams", multiple=True, metavar="NAME", help="Only this stream (repeatable)."
)
@click.option(
    "--destination",
    metavar="URL",
    help=f"duckdb:///F, postgresql://..., jsonl:///DIR, csv:///DIR or parquet:///DIR; add "
    f"?naming=snake_case for client_id instead of clientId "
    f"[flow's destination, else {DEFAULT_DESTINATION}].",
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Ignore stored cursors and read everything again (rows are still merged); rows whose "
    "record ClientSuccess no longer returns get _cs_deleted_at (see --deletes).",
)
@click.option(
    "--deletes",
    type=click.Choice(DELETES_CHOICES),
    help="How a full refresh records deleted records: soft stamps _cs_deleted_at, hard removes "
    "the row, off does neither [each source's `deletes:`, else soft]. Only streams that read "
    "their whole collection and prove it are reconciled.",
)
@click.option(
    "--max-delete-share",
    metavar="SHARE",
    default="50%",
    show_default=True,
    help="A full refresh that would mark or remove more than this share of a stream's rows "
    "(50%, 0.5; 100% for no limit) marks none and fails the stream instead: one answer listing "
    "too few records is not proof they were deleted.",
)
@click.option(
    "--history",
    is_flag=True,
    help="Keep every version of each record in <table>__history (valid from/to columns and "
    "a row hash; the table itself still holds the newest version), for every stream of the "
    "run [each source's `history: scd2`, else off].",
)
@click.option(
    "--every",
    metavar="DURATION",
    help="Keep syncing every DURATION (30s, 15m, 2h, 1d) until Ctrl-C or SIGTERM. A failed "
    "cycle (API or destination outage) is reported and retried after 10s, 20s, 40s... never "
    "later than DURATION; bad configuration stops at once. Exit 0 if the last cycle "
    "succeeded, 1 if not.",
)
@click.option(
    "--batch-size",
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Records per committed batch (each batch is one transaction with its state).",
)
@format_option(
    "How to print the summary: a table on stdout; json: the run as one JSON document on "
    "stdout (one line per run with --every): status, destination, and per stream records, "
    "status, repaired and rejected counts, cursor, error and seconds; jsonl or csv: one row "
    "per stream on stdout. Exit codes stay 0, 1 (a stream failed) and 2."
)
@credential_option
@click.pass_context
def sync_command(
    ctx: click.Context,
    fmt: str,
    credential: str | None,
    flow_file: Path | None,
    streams: tuple[str, ...],
    destination: str | None,
    full_refresh: bool,
    deletes: str | None,
    max_delete_share: str,
    history: bool,
    every: str | None,
    batch_size: int,
) -> None:  # fmt: skip
    """Read streams into a database or files, incrementally and resumably.

    Without --flow it syncs the default streams (clients, contacts, contracts, pulses,
    client_notes, products). Each stream lands in a table named after it, merged on its primary
    key; a cursor per stream (one per lookup value for a fan-out stream; in `_cs_state`) makes
    the next run ask only for what changed.

    \b
    Examples:
      clientsuccess-connector sync
      clientsuccess-connector sync --stream clients --stream contacts
      clientsuccess-connector sync --destination postgresql://me@localhost/analytics
      clientsuccess-connector sync --flow flow.yaml --every 15m
      clientsuccess-connector sync --full-refresh --deletes hard
      clientsuccess-connector sync --history --stream clients --stream contracts
      clientsuccess-connector sync --credential sandbox --destination duckdb:///sandbox.duckdb
      clientsuccess-connector sync --json --quiet | jq '.streams[] | {stream, records}'
      clientsuccess-connector sync --format csv > last-run.csv
    """
    root: dict[str, Any] = ctx.find_root().params
    flow = load_flow_option(flow_file)
    target = destination or (flow.destination if flow else None) or DEFAULT_DESTINATION
    interval = parse_duration(every) if every else None
    options: dict[str, Any] = {
        "full_refresh": full_refresh,
        "batch_size": batch_size,
        "quiet": bool(root.get("quiet")),
        "log_format": str(root.get("log_format") or "text"),
        "credential": credential,
        "fmt": fmt,
        "deletes": deletes,
        "max_delete_share": parse_share(max_delete_share),
        "history": history,
    }
    if interval is None:
        if any(r.error for r in run_sync(flow, target, streams, **options)):
            sys.exit(1)
        return

    def cycle() -> list[StreamResult]:
        results = run_sync(flow, target, streams, **options)
        if not any(r.error for r in results):
            options["full_refresh"] = False  # a full refresh is repeated until one succeeds
        return results

    selected = list(select_sources(flow, streams))
    sys.exit(run_every(cycle, interval, selected, as_json=options["log_format"] == "json"))
