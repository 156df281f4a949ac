"""`write`: push records from a file, stdin or a database through a ClientSuccess write template."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson

from clientsuccess_connector.catalog import get_template
from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.logs import notice
from clientsuccess_connector.cli.options import load_flow_option, open_connection
from clientsuccess_connector.cli.output import emit
from clientsuccess_connector.cli.progress import StreamProgress
from clientsuccess_connector.cli.terminal import echo
from clientsuccess_connector.cli.write_options import WRITE_OPTIONS, WriteOptions, with_flags
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.write import WriteJob, WriteSummary, write_input

if TYPE_CHECKING:
    from clientsuccess_connector.config.flow import Flow


@cli.command("write")
@WRITE_OPTIONS.into("options")
@click.pass_context
def write_command(ctx: click.Context, options: WriteOptions) -> None:
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
    flow = load_flow_option(options.flow_file)
    root = ctx.find_root().params
    quiet, log_format = bool(root.get("quiet")), str(root.get("log_format") or "text")
    job = options.job(flow)
    interval = options.interval(job)

    def once() -> WriteSummary:
        return _write_once(flow, job, options, quiet=quiet, log_format=log_format)

    def show(summary: WriteSummary) -> bool:
        return _show(
            summary, fmt=options.fmt, quiet=quiet, results=job.results, log_format=log_format
        )

    if interval is None:
        if show(once()):
            sys.exit(1)
        return
    sys.exit(_write_every(once, show, job, interval, as_json=log_format == "json"))


def _write_once(
    flow: Flow | None, job: WriteJob, options: WriteOptions, *, quiet: bool, log_format: str
) -> WriteSummary:
    """One run of the job, with a progress line unless quiet (or a dry run)."""
    progress = StreamProgress(
        quiet=quiet or options.dry_run, log_format=log_format, unit="rows done"
    )
    try:
        with open_connection(flow, options.connection()) as conn, progress:
            corrected = flow.write_template(job) if flow is not None and job.template else None
            reporter = _Reporter(job.name, progress, requests_to_stderr=options.fmt != "table")
            resolve = flow.template if flow is not None else get_template
            return write_input(conn, job, reporter, template=corrected, resolve=resolve)
    except ConfigError as exc:
        raise ConfigError(with_flags(str(exc))) from None


def _write_every(
    once: Callable[[], WriteSummary],
    show: Callable[[WriteSummary], bool],
    job: WriteJob,
    interval: float,
    *,
    as_json: bool,
) -> int:
    """Run and show the job every `interval` seconds until Ctrl-C; the exit code."""
    from clientsuccess_connector.cli.every import run_every  # noqa: PLC0415 (--every only)
    from clientsuccess_connector.syncing.run import StreamResult  # noqa: PLC0415

    def cycle() -> list[StreamResult]:
        summary = once()
        why = f"{summary.error} row(s) failed; see {job.results}" if show(summary) else None
        return [StreamResult(job.name, records=summary.ok, requests=summary.requests, error=why)]

    return run_every(cycle, interval, [job.name], as_json=as_json, label="write")


def _show(
    summary: WriteSummary, *, fmt: str, quiet: bool, results: Path | None, log_format: str
) -> bool:
    """Print the summary as asked; True when a row failed."""
    if fmt != "table":
        emit([_summary_row(summary)], fmt, document=_summary_row(summary))
        return bool(summary.error)
    return _report(summary, quiet=quiet, results=results, log_format=log_format)


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
        notice(with_flags(text), "warning")

    def request(self, text: str) -> None:
        echo(text, err=self._requests_to_stderr)


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
            echo(f"row {row}: {with_flags(message)}", err=True)
        hidden = summary.error - len(summary.first_errors)
        if hidden > 0:
            click.echo(f"... and {hidden} more failed row(s)", err=True)
    echo(summary.line(), err=True)
    if summary.error and not quiet:
        where = f"; see {results} for each row" if results else "; add --results FILE for details"
        echo(f"{summary.error} row(s) failed{where}", err=True)
    return bool(summary.error)
