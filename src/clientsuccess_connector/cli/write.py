"""`write`: push records from a file, stdin or a database through a ClientSuccess write template."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson

from clientsuccess_connector.catalog import get_template
from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.completion import complete_write_templates
from clientsuccess_connector.cli.logs import notice
from clientsuccess_connector.cli.options import (
    ConnectionOptions,
    credential_option,
    load_flow_option,
    open_connection,
    parse_pairs,
)
from clientsuccess_connector.cli.output import emit, format_option
from clientsuccess_connector.cli.progress import StreamProgress
from clientsuccess_connector.cli.terminal import echo
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.write import WriteJob, WriteSummary, write_input

if TYPE_CHECKING:
    from clientsuccess_connector.config.flow import Flow
    from clientsuccess_connector.syncing.run import StreamResult

# The flag of each WriteJob field a library message may name (as `field`).
_FLAGS = {
    "map": "--map", "set": "--set", "params": "-p", "batch_size": "--batch-size",
    "results": "--results", "retry_unknown": "--retry-unknown", "input": "--input",
    "key": "--key", "mode": "--mode",
}  # fmt: skip


@cli.command("write")
@click.argument("template", required=False, shell_complete=complete_write_templates)
@click.option(
    "--url",
    metavar="PATH",
    help="A manual endpoint instead of a template, e.g. '/v1/clients/{client_id}/to-dos': "
    "{column} takes each row's column; the body is the row (or the --map/--set fields).",
)
@click.option(
    "--method",
    type=click.Choice(["POST", "PUT", "PATCH", "DELETE"], case_sensitive=False),
    help="Method of the manual endpoint [POST].",
)
@click.option(
    "--input",
    "-i",
    "input_spec",
    metavar="INPUT",
    help="file.csv, file.jsonl, file.json (array), file.parquet, - (JSON lines on "
    "stdin), duckdb:///db.duckdb?table=T[&order_by=C]|query=SQL, "
    "postgresql://...?table=T|query=SQL.",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Take FIELD from COLUMN (columns named like a field map themselves).",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Send the constant VALUE as FIELD in every record.",
)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Template parameter for every request, e.g. -p loggingLevel=INFO.",
)
@click.option("--batch-size", type=int, help="Records per request for bulk templates [100].")
@click.option("--dry-run", is_flag=True, help="Print every request (secrets masked); send nothing.")
@click.option(
    "--results",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Results ledger (JSON lines) of this template on this instance, whatever the input "
    "file is called; re-running with it skips rows already ok.",
)
@click.option(
    "--key",
    "keys",
    multiple=True,
    metavar="FIELD",
    help="A field that identifies a row in the ledger (repeatable), e.g. --key externalId; "
    "by default a row is its whole request.",
)
@click.option(
    "--mode",
    type=click.Choice(["insert", "update", "upsert"]),
    help="With --results, send only rows new since the last run (insert), changed ones "
    "(update, through the update template), or both (upsert); unchanged rows are skipped. "
    "Keyed by --key or the template's natural key.",
)
@click.option(
    "--every",
    metavar="DURATION",
    help="Keep writing every DURATION (30s, 15m, 2h, 1d) until Ctrl-C, e.g. from a database "
    "query with --mode upsert: each run sends only what changed. Needs --results.",
)
@click.option(
    "--retry-unknown",
    is_flag=True,
    help="Re-send rows whose earlier outcome is unknown (may create duplicates).",
)
@click.option("--concurrency", type=int, help="Requests in flight at once [connection setting, 4].")
@click.option(
    "--flow",
    "flow_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Flow file: its connection and `templates:` corrections; TEMPLATE may name one of "
    "its `writes:`.",
)
@format_option("How to print the summary: a line on stderr (table), or on stdout.")
@credential_option
@click.pass_context
def write_command(
    ctx: click.Context,
    template: str | None,
    url: str | None,
    method: str | None,
    input_spec: str | None,
    maps: tuple[str, ...],
    sets: tuple[str, ...],
    params: tuple[str, ...],
    batch_size: int | None,
    dry_run: bool,
    results: Path | None,
    retry_unknown: bool,
    keys: tuple[str, ...],
    mode: str | None,
    every: str | None,
    concurrency: int | None,
    flow_file: Path | None,
    credential: str | None,
    fmt: str,
) -> None:
    """Write records into ClientSuccess through the write template TEMPLATE (or --url).

    Each input row becomes one record (bulk templates send them in batches). Values are
    converted to the template's field types; a row that cannot be converted is reported and the
    others go on. Ends with a summary on stderr (with --format json, jsonl or csv: on stdout,
dry-run requests then going to stderr); exit 1 if any row failed.

    \b
    Examples:
      clientsuccess-connector write create_contact --input contacts.csv --map email=mail
      clientsuccess-connector write bulk_create_contacts -i contacts.csv --results out.jsonl
      clientsuccess-connector write patch_contact -i changes.jsonl --map contactId=uuid --dry-run
      clientsuccess-connector write --url '/v1/clients/{client_id}/to-dos' -i todos.csv \
          --map name=task
      clientsuccess-connector write create_contact --mode upsert --results contacts.ledger \
          -i 'postgresql://db/crm?query=SELECT * FROM contacts' --every 15m
    """
    flow = load_flow_option(flow_file)
    connection_options = ConnectionOptions(
        concurrency=concurrency, credentials_required=not dry_run, credential=credential
    )
    root = ctx.find_root().params
    quiet, log_format = bool(root.get("quiet")), str(root.get("log_format") or "text")
    try:
        job = _job(flow, template, input_spec, url, method).merged(
            mapping=parse_pairs(maps, "--map"),
            constants=parse_pairs(sets, "--set"),
            params=parse_pairs(params, "-p"),
            batch_size=batch_size,
            results=results,
            dry_run=dry_run or None,
            retry_unknown=retry_unknown or None,
            key=keys or None,
            mode=mode,
        )
    except ConfigError as exc:
        raise ConfigError(_with_flags(str(exc))) from None
    interval = _interval(every)
    if interval is not None and job.results is None:
        raise ConfigError(
            "--every needs --results FILE: the ledger is what lets each run send only new "
            "and changed rows"
        )

    def once() -> WriteSummary:
        progress = StreamProgress(quiet=quiet or dry_run, log_format=log_format, unit="rows done")
        try:
            with open_connection(flow, connection_options) as conn, progress:
                corrected = flow.write_template(job) if flow is not None and job.template else None
                reporter = _Reporter(job.name, progress, requests_to_stderr=fmt != "table")
                resolve = flow.template if flow is not None else get_template
                return write_input(conn, job, reporter, template=corrected, resolve=resolve)
        except ConfigError as exc:
            raise ConfigError(_with_flags(str(exc))) from None

    if interval is None:
        if _show(once(), fmt=fmt, quiet=quiet, results=job.results, log_format=log_format):
            sys.exit(1)
        return

    from clientsuccess_connector.cli.every import run_every  # noqa: PLC0415 (--every only)
    from clientsuccess_connector.syncing.run import StreamResult  # noqa: PLC0415

    def cycle() -> list[StreamResult]:
        summary = once()
        failed = _show(summary, fmt=fmt, quiet=quiet, results=job.results, log_format=log_format)
        why = f"{summary.error} row(s) failed; see {job.results}" if failed else None
        return [StreamResult(job.name, records=summary.ok, requests=summary.requests, error=why)]

    sys.exit(run_every(cycle, interval, [job.name], as_json=log_format == "json", label="write"))


def _interval(every: str | None) -> float | None:
    if every is None:
        return None
    from clientsuccess_connector.cli.sync import parse_duration  # noqa: PLC0415 (--every only)

    return parse_duration(every)


def _show(
    summary: WriteSummary, *, fmt: str, quiet: bool, results: Path | None, log_format: str
) -> bool:
    """Print the summary as asked; True when a row failed."""
    if fmt != "table":
        emit([_summary_row(summary)], fmt, document=_summary_row(summary))
        return bool(summary.error)
    return _report(summary, quiet=quiet, results=results, log_format=log_format)


def _job(
    flow: Flow | None, name: str | None, input_spec: str | None, url: str | None, method: str | None
) -> WriteJob:
    """The flow's `writes:` entry called `name` (unless --input is given), or a bare job."""
    if name and url:
        raise ConfigError("give a write template name or --url PATH, not both")
    if not name and not url:
        raise ConfigError("give a write template name (see `templates`) or --url PATH")
    if flow is not None and name is not None and name in flow.writes and input_spec is None:
        return flow.writes[name]
    if input_spec is None:
        raise ConfigError(
            "--input is required: give a file, '-' for JSON lines on stdin, or a "
            "duckdb:// / postgresql:// URL"
        )
    if url:
        return WriteJob(input=input_spec, url=url, method=(method or "POST").upper())
    if method:
        raise ConfigError("--method is for a manual endpoint (--url); a template has its own")
    return WriteJob(name or "", input=input_spec)


class _Reporter:
    """Progress on the progress line, warnings on stderr, dry-run requests on stdout."""

    def __init__(
        self, name: str, progress: StreamProgress, *, requests_to_stderr: bool = False
    ) -> None:
        self.name = name
        self._progress = progress
        self._requests_to_stderr = requests_to_stderr

    def progress(self, rows: int) -> None:
        self._progress(self.name, rows)

    def warning(self, text: str) -> None:
        notice(_with_flags(text), "warning")

    def request(self, text: str) -> None:
        echo(text, err=self._requests_to_stderr)


def _with_flags(text: str) -> str:
    """A library message with the flag of each field it names: "`map` (--map)"."""
    for name, flag in _FLAGS.items():
        text = text.replace(f"`{name}`", f"`{name}` ({flag})")
    return text


def _summary_row(summary: WriteSummary) -> dict[str, Any]:
    """The summary as one JSON-ready row (for --format and --log-format json)."""
    return {
        "template": summary.template, "ok": summary.ok, "error": summary.error,
        "skipped": summary.skipped, "requests": summary.requests,
        "resent": summary.resent, "lookups": summary.lookups,
        "seconds": round(summary.seconds, 3),
        "rows_per_second": round(summary.rows_per_second, 1), "dry_run": summary.dry_run,
        "errors": [{"row": row, "error": text} for row, text in summary.first_errors],
    }  # fmt: skip


def _report(summary: WriteSummary, *, quiet: bool, results: Path | None, log_format: str) -> bool:
    """The summary on stderr; True when a row failed."""
    if log_format == "json":
        line = {"event": "summary", **_summary_row(summary)}
        click.echo(orjson.dumps(line).decode(), err=True)
        return bool(summary.error)
    if not quiet:
        for row, message in summary.first_errors:
            echo(f"row {row}: {_with_flags(message)}", err=True)
        hidden = summary.error - len(summary.first_errors)
        if hidden > 0:
            click.echo(f"... and {hidden} more failed row(s)", err=True)
    echo(summary.line(), err=True)
    if summary.error and not quiet:
        where = f"; see {results} for each row" if results else "; add --results FILE for details"
        echo(f"{summary.error} row(s) failed{where}", err=True)
    return bool(summary.error)
