"""`test` and `paths`: fetch a sample from a source, suggest its data paths."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import click

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.logs import notice
from clientsuccess_connector.cli.options import (
    ConnectionOptions,
    build_source,
    credential_option,
    open_connection,
    source_options,
)
from clientsuccess_connector.cli.output import (
    cell,
    emit,
    field_names,
    format_option,
    print_table,
)
from clientsuccess_connector.cli.terminal import echo, safe_text
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.extract.suggest import Suggestions, suggest_paths
from clientsuccess_connector.read.endpoint import resolve
from clientsuccess_connector.read.fanout import prepare_lookups
from clientsuccess_connector.read.reader import Reader

_TERMINAL_COLUMNS = 8  # simple fields a sample table shows on a terminal


def _sample_columns(
    records: list[dict[str, Any]], fields: str | None, fmt: str
) -> tuple[list[str], list[str]]:
    """The columns to show and the top-level fields hidden, per `--fields` and the output.

    `--fields all` (or piped output, or a format other than a table) shows every field; on a
    terminal the table shows the first simple (non-nested) fields that fit.
    """
    every = field_names(records)
    if fields and fields.strip().lower() != "all":
        chosen = [f.strip() for f in fields.split(",") if f.strip()]
        unknown = [f for f in chosen if f not in every]
        if unknown and records:
            raise ConfigError(
                f"--fields: no field {', '.join(unknown)} in the sample; "
                f"its fields are: {', '.join(every)}"
            )
        return chosen, [f for f in every if f not in chosen]
    if fields or fmt != "table" or not sys.stdout.isatty():
        return every, []
    nested = {k for r in records for k, v in r.items() if isinstance(v, dict | list)}
    simple = [f for f in every if f not in nested]
    shown = simple[:_TERMINAL_COLUMNS]
    return shown, [f for f in every if f not in shown]


@cli.command(name="test")
@source_options
@click.option("--limit", default=10, show_default=True, help="Stop after this many records.")
@format_option("How to print the sample.")
@click.option(
    "--fields",
    metavar="a,b|all",
    help="Top-level fields to show, comma-separated, or `all`. Piped output shows all of them; "
    "a table on a terminal shows the first simple fields that fit and names the others.",
)
@click.option("--show-request", is_flag=True, help="Print every request as sent (secrets masked).")
@credential_option
def test_command(
    limit: int,
    fmt: str,
    fields: str | None,
    show_request: bool,
    credential: str | None,
    **source: Any,
) -> None:
    """Fetch a few records from a source and print them, to check the source.

    SOURCE is a template name with -p parameters, a manual endpoint (--url ...), or a source of
    a flow file (--flow FILE NAME).

    \b
    Examples:
      clientsuccess-connector test search_pulses -p clientId=42 --limit 5
      clientsuccess-connector test --url '/clientNote/search?modifiedAfter={now-7}' \\
          --date-format "yyyy-MM-dd" --time-unit day --data-path '$.data[*]'
      clientsuccess-connector test --flow flow.yaml contract_notes --format jsonl
      clientsuccess-connector test search_pulses --fields id,clientId,currentScore
      clientsuccess-connector test search_clients --fields all --format csv > sample.csv
    """
    spec, flow = build_source(**source)
    resolved = resolve(spec)
    with open_connection(
        flow, ConnectionOptions(show_requests=show_request, credential=credential)
    ) as connection:
        lookups = prepare_lookups(flow, connection, [resolved])
        with Reader(connection, lookups=lookups, parallel_pages=False) as reader:
            records = list(reader.records(resolved, limit=limit))
    columns, hidden = _sample_columns(records, fields, fmt)
    if fields and fmt in ("json", "jsonl"):
        records = [{c: r[c] for c in columns if c in r} for r in records]
    emit(records, fmt, columns)
    if fmt == "table":
        note = f"{len(records)} record(s)"
        if hidden:
            note += (
                f"; {len(hidden)} field(s) not shown: {', '.join(safe_text(h) for h in hidden)}"
                " (see them with --fields all, or --fields a,b to choose)"
            )
        notice(note)


@cli.command()
@source_options
@format_option("How to print the suggestions.")
@click.option(
    "--apply",
    is_flag=True,
    help="Write the chosen path into the source NAME of --flow FILE (comments are kept).",
)
@click.option(
    "--pick",
    default=1,
    show_default=True,
    metavar="N",
    help="Which suggestion --apply writes: its number in the listing.",
)
@click.option(
    "--metadata",
    is_flag=True,
    help="--apply writes a metadata path (metadata_path) instead of a data path (data_path).",
)
@credential_option
def paths(
    fmt: str, apply: bool, pick: int, metadata: bool, credential: str | None, **source: Any
) -> None:
    """Suggest Path to Data and Path to Metadata from a sample response.

    Fetches the first page of SOURCE (same forms as `test`) and ranks candidate data paths
    (arrays of objects first, with the record count each yields; XPath for XML) and candidate
    metadata paths (scalars outside the data). Each suggestion is numbered and printed as an
    option ready to paste (`--data-path '$.data[*]'`); `--apply` writes one into a flow file.

    \b
    Examples:
      clientsuccess-connector paths search_client_notes
      clientsuccess-connector paths --url /clientNote/search --format json
      clientsuccess-connector paths --flow flow.yaml recent_notes --apply
      clientsuccess-connector paths --flow flow.yaml recent_notes --apply --pick 2
      clientsuccess-connector paths --flow flow.yaml recent_notes --apply --metadata
    """
    if apply and not (source.get("flow_file") and source.get("name")):
        raise ConfigError(
            "--apply needs --flow FILE and a source NAME to write the path into, "
            "e.g. paths --flow flow.yaml recent_notes --apply"
        )
    spec, flow = build_source(**source)
    resolved = resolve(spec)
    with open_connection(flow, ConnectionOptions(credential=credential)) as connection:
        lookups = prepare_lookups(flow, connection, [resolved])
        with Reader(connection, lookups=lookups) as reader:
            response = reader.first_response(resolved)
    suggestions = suggest_paths(response.content, response.headers.get("Content-Type"))
    if apply:
        _apply_path(suggestions, pick, metadata, source)
        return
    if fmt == "json":
        emit([], fmt, document=suggestions.to_dict())
        return
    rows = [
        {"kind": kind, "pick": n, "path": s.path, "records": s.records,
         "description": s.description, "option": _option(kind, s.path)}
        for kind, found in (("data", suggestions.data), ("metadata", suggestions.metadata))
        for n, s in enumerate(found, start=1)
    ]  # fmt: skip
    if fmt != "table":
        emit(rows, fmt)
        return
    _print_suggestions(suggestions.format, rows)


def _option(kind: str, path: str) -> str:
    """The option of `test`/`sync` sources that takes `path`, quoted for a POSIX shell."""
    flag = "--data-path" if kind == "data" else "--metadata-path"
    return f"{flag} {shlex.quote(path)}"


def _print_suggestions(fmt: str, rows: list[dict[str, Any]]) -> None:
    echo(f"format: {fmt}")
    for kind, title in (("data", "data paths (best first)"), ("metadata", "metadata paths")):
        chosen = [r for r in rows if r["kind"] == kind]
        echo(f"{title}:")
        if not chosen:
            echo("  (none)")
            continue
        body = [
            [str(r["pick"]), cell(r["path"]),
             f"{r['records']} record(s)" if kind == "data" else "", cell(r["description"])]
            for r in chosen
        ]  # fmt: skip
        print_table(["#", "path", "yields" if kind == "data" else "", "what"], body)
    best = next((r for r in rows if r["kind"] == "data"), None)
    if best is not None:
        echo(f"\nready to paste: {cell(best['option'])}")
        notice("or write one into a flow: paths --flow FILE SOURCE --apply [--pick N] [--metadata]")


def _apply_path(
    suggestions: Suggestions, pick: int, metadata: bool, source: dict[str, Any]
) -> None:
    """Write suggestion number `pick` into the flow source named on the command line."""
    kind, found = ("metadata", suggestions.metadata) if metadata else ("data", suggestions.data)
    if not found:
        raise ConfigError(f"the response offers no {kind} path to apply; check the source first "
                          "with `test`")  # fmt: skip
    if not 1 <= pick <= len(found):
        raise ConfigError(f"--pick {pick}: there are {len(found)} {kind} path suggestion(s); "
                          f"pick 1 to {len(found)}")  # fmt: skip
    chosen = found[pick - 1].path
    key = "metadata_path" if metadata else "data_path"
    new_source = None
    if source.get("url"):
        new_source = {"url": source["url"], **({"method": source["method"]}
                                               if source.get("method") else {})}  # fmt: skip
    from clientsuccess_connector.config.flow_edit import set_source_keys  # noqa: PLC0415 (only --apply)

    flow_file: Path = source["flow_file"]
    set_source_keys(flow_file, source["name"], {key: chosen}, new_source=new_source)
    echo(f"{flow_file}: sources.{source['name']}.{key} = {chosen}")
