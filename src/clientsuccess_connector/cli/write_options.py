"""`write`'s arguments and options, built into WriteOptions: the job, its schedule, its output."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from clientsuccess_connector.cli.bundles import OptionBundle
from clientsuccess_connector.cli.completion import complete_write_templates
from clientsuccess_connector.cli.options import ConnectionOptions, credential_option, parse_pairs
from clientsuccess_connector.cli.output import format_option
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.write import WriteJob

if TYPE_CHECKING:
    from clientsuccess_connector.config.flow import Flow

# The flag of each WriteJob field a library message may name (as `field`).
_FLAGS = {
    "map": "--map", "set": "--set", "params": "-p", "batch_size": "--batch-size",
    "results": "--results", "retry_unknown": "--retry-unknown", "input": "--input",
    "key": "--key", "mode": "--mode",
}  # fmt: skip


def with_flags(text: str) -> str:
    """A library message with the flag of each field it names: "`map` (--map)"."""
    for name, flag in _FLAGS.items():
        text = text.replace(f"`{name}`", f"`{name}` ({flag})")
    return text


@dataclass(frozen=True)
class WriteOptions:
    """What `write`'s TEMPLATE and options ask for, as given on the command line."""

    template: str | None
    url: str | None
    method: str | None
    input_spec: str | None
    maps: tuple[str, ...]
    sets: tuple[str, ...]
    params: tuple[str, ...]
    batch_size: int | None
    dry_run: bool
    results: Path | None
    keys: tuple[str, ...]
    mode: str | None
    every: str | None
    retry_unknown: bool
    concurrency: int | None
    flow_file: Path | None
    fmt: str
    credential: str | None

    def job(self, flow: Flow | None) -> WriteJob:
        """The job the options describe, over the flow's `writes:` entry TEMPLATE names; a
        ConfigError names the flags."""
        try:
            return self._base_job(flow).merged(
                mapping=parse_pairs(self.maps, "--map"),
                constants=parse_pairs(self.sets, "--set"),
                params=parse_pairs(self.params, "-p"),
                batch_size=self.batch_size,
                results=self.results,
                dry_run=self.dry_run or None,
                retry_unknown=self.retry_unknown or None,
                key=self.keys or None,
                mode=self.mode,
            )
        except ConfigError as exc:
            raise ConfigError(with_flags(str(exc))) from None

    def _base_job(self, flow: Flow | None) -> WriteJob:
        """The flow's `writes:` entry TEMPLATE names (unless --input is given), or a bare job."""
        name, url, method = self.template, self.url, self.method
        if name and url:
            raise ConfigError("give a write template name or --url PATH, not both")
        if not name and not url:
            raise ConfigError("give a write template name (see `templates`) or --url PATH")
        if (
            flow is not None
            and name is not None
            and name in flow.writes
            and self.input_spec is None
        ):
            return flow.writes[name]
        if self.input_spec is None:
            raise ConfigError(
                "--input is required: give a file, '-' for JSON lines on stdin, or a "
                "duckdb:// / postgresql:// URL"
            )
        if url:
            return WriteJob(input=self.input_spec, url=url, method=(method or "POST").upper())
        if method:
            raise ConfigError("--method is for a manual endpoint (--url); a template has its own")
        return WriteJob(name or "", input=self.input_spec)

    def interval(self, job: WriteJob) -> float | None:
        """Seconds between runs (--every), or None for one run; --every needs a ledger."""
        if self.every is None:
            return None
        from clientsuccess_connector.cli.sync import parse_duration  # noqa: PLC0415 (--every only)

        interval = parse_duration(self.every)
        if job.results is None:
            raise ConfigError(
                "--every needs --results FILE: the ledger is what lets each run send only new "
                "and changed rows"
            )
        return interval

    def connection(self) -> ConnectionOptions:
        """The connection's options: a dry run sends nothing, so needs no credentials."""
        return ConnectionOptions(
            concurrency=self.concurrency,
            credentials_required=not self.dry_run,
            credential=self.credential,
        )


WRITE_OPTIONS = OptionBundle(
    WriteOptions,
    click.argument("template", required=False, shell_complete=complete_write_templates),
    click.option(
        "--url",
        metavar="PATH",
        help="A manual endpoint instead of a template, e.g. '/v1/clients/{client_id}/to-dos': "
        "{column} takes each row's column; the body is the row (or the --map/--set fields).",
    ),
    click.option(
        "--method",
        type=click.Choice(["POST", "PUT", "PATCH", "DELETE"], case_sensitive=False),
        help="Method of the manual endpoint [POST].",
    ),
    click.option(
        "--input",
        "-i",
        "input_spec",
        metavar="INPUT",
        help="file.csv, file.jsonl, file.json (array), file.parquet, - (JSON lines on "
        "stdin), duckdb:///db.duckdb?table=T[&order_by=C]|query=SQL, "
        "postgresql://...?table=T|query=SQL.",
    ),
    click.option(
        "--map",
        "maps",
        multiple=True,
        metavar="FIELD=COLUMN",
        help="Take FIELD from COLUMN (columns named like a field map themselves).",
    ),
    click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="FIELD=VALUE",
        help="Send the constant VALUE as FIELD in every record.",
    ),
    click.option(
        "-p",
        "--param",
        "params",
        multiple=True,
        metavar="NAME=VALUE",
        help="Template parameter for every request, e.g. -p loggingLevel=INFO.",
    ),
    click.option("--batch-size", type=int, help="Records per request for bulk templates [100]."),
    click.option(
        "--dry-run", is_flag=True, help="Print every request (secrets masked); send nothing."
    ),
    click.option(
        "--results",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        help="Results ledger (JSON lines) of this template on this instance, whatever the input "
        "file is called; re-running with it skips rows already ok.",
    ),
    click.option(
        "--key",
        "keys",
        multiple=True,
        metavar="FIELD",
        help="A field that identifies a row in the ledger (repeatable), e.g. --key externalId; "
        "by default a row is its whole request.",
    ),
    click.option(
        "--mode",
        type=click.Choice(["insert", "update", "upsert"]),
        help="With --results, send only rows new since the last run (insert), changed ones "
        "(update, through the update template), or both (upsert); unchanged rows are skipped. "
        "Keyed by --key or the template's natural key.",
    ),
    click.option(
        "--every",
        metavar="DURATION",
        help="Keep writing every DURATION (30s, 15m, 2h, 1d) until Ctrl-C, e.g. from a database "
        "query with --mode upsert: each run sends only what changed. Needs --results.",
    ),
    click.option(
        "--retry-unknown",
        is_flag=True,
        help="Re-send rows whose earlier outcome is unknown (may create duplicates).",
    ),
    click.option(
        "--concurrency", type=int, help="Requests in flight at once [connection setting, 4]."
    ),
    click.option(
        "--flow",
        "flow_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Flow file: its connection and `templates:` corrections; TEMPLATE may name one of "
        "its `writes:`.",
    ),
    format_option("How to print the summary: a line on stderr (table), or on stdout."),
    credential_option,
)
