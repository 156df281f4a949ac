"""`templates`, `test` and `paths`: browse the catalogue, fetch a sample, suggest data paths."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from clientsuccess_connector.catalog import Template, catalog, get_template
from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.completion import complete_templates
from clientsuccess_connector.cli.options import (
    ConnectionOptions,
    build_source,
    credential_option,
    emit_json,
    json_text,
    open_connection,
    source_options,
)
from clientsuccess_connector.cli.terminal import cells, echo, plain_console, safe_text
from clientsuccess_connector.extract.suggest import suggest_paths
from clientsuccess_connector.flow import Flow, load_flow
from clientsuccess_connector.read.endpoint import resolve
from clientsuccess_connector.read.fanout import prepare_lookups
from clientsuccess_connector.read.reader import Reader

_MAX_CELL = 40


def _template_summary(t: Template) -> dict[str, Any]:
    return {
        "name": t.name,
        "kind": t.kind,
        "method": t.method,
        "path": t.path,
        "evidence": t.evidence,
        "description": t.description,
    }


def _template_detail(t: Template) -> dict[str, Any]:
    detail = _template_summary(t)
    detail.update(
        title=t.title,
        pagination=t.pagination,
        data_path=t.data_path if t.kind == "read" else None,
        primary_key=list(t.primary_key),
        incremental_field=t.incremental_field,
        batch=t.batch,
        results_path=t.results_path,
        upsert_keys=list(t.upsert_keys),
        params=[
            {
                "name": p.name,
                "type": p.type,
                "in": p.location,
                "required": p.required,
                "enum": list(p.enum) or None,
                "description": p.description,
            }
            for p in t.params
        ],
    )
    return detail


def _effective(name: str, flow: Flow | None) -> Template:
    return flow.template(name) if flow is not None else get_template(name)


def _corrected(name: str, flow: Flow | None) -> list[str]:
    return flow.templates[name].changes if flow is not None and name in flow.templates else []


@cli.command()
@click.argument("name", required=False, shell_complete=complete_templates)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--flow",
    "flow_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Show the templates as this flow file's `templates:` block corrects them.",
)
def templates(name: str | None, as_json: bool, flow_file: Path | None) -> None:
    """List every endpoint template, or show one template's fields.

    \b
    Examples:
      clientsuccess-connector templates
      clientsuccess-connector templates search_pulses
      clientsuccess-connector templates create_client_note --json
      clientsuccess-connector templates create_contact --flow flow.yaml
    """
    console = plain_console()
    flow = load_flow(flow_file) if flow_file else None
    if name is None:
        every = [_effective(t, flow) for t in catalog()]
        if as_json:
            emit_json([_template_summary(t) for t in every])
            return
        table = Table(box=None)
        for column in ("name", "kind", "method", "path"):
            table.add_column(column, no_wrap=True)
        table.add_column("description")
        for t in every:
            mark = " (corrected by the flow)" if _corrected(t.name, flow) else ""
            table.add_row(*cells(t.name, t.kind, t.method, t.path + mark, t.description))
        console.print(table)
        return
    template = _effective(name, flow)
    corrected = _corrected(name, flow)
    if as_json:
        emit_json({**_template_detail(template), "corrected": corrected})
        return
    console.print(safe_text(template.name), style="bold", end="")
    console.print(safe_text(f"  {template.title}  ({template.kind})"))
    console.print(safe_text(f"{template.method} {template.path}   evidence: {template.evidence}"))
    if corrected:
        console.print(safe_text(f"corrected by {flow_file}: {', '.join(corrected)}"))
    console.print(safe_text(template.description))
    if template.kind == "read":
        console.print(safe_text(
            f"pagination: {template.pagination}   data path: {template.data_path}   "
            f"primary key: {', '.join(template.primary_key) or '-'}   "
            f"incremental field: {template.incremental_field or '-'}"
        ))  # fmt: skip
    if template.batch:
        console.print(
            safe_text(f"batch: {template.batch}   per-item results: {template.results_path}")
        )
    table = Table("field", "type", "in", "required", "description", box=None)
    for p in template.params:
        extra = f" One of: {', '.join(p.enum)}." if p.enum and len(p.enum) <= 8 else ""
        table.add_row(
            *cells(p.name, p.type, p.location, "yes" if p.required else "", p.description + extra)
        )
    console.print(table)


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json_text(value)
    text = safe_text(text.replace("\n", " "))
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _print_table(records: list[dict[str, Any]]) -> None:
    columns: list[str] = []
    for record in records:
        for key, value in record.items():
            if key not in columns and not isinstance(value, dict | list):
                columns.append(key)
    columns = columns[:8]
    table = Table(*(safe_text(c) for c in columns), box=None)
    for record in records:
        table.add_row(*(_cell(record.get(c)) for c in columns))
    plain_console().print(table)
    click.echo(f"{len(records)} record(s); nested fields hidden, use --format json", err=True)


@cli.command(name="test")
@source_options
@click.option("--limit", default=10, show_default=True, help="Stop after this many records.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl"]),
    default="table",
    show_default=True,
    help="How to print the sample.",
)
@click.option("--show-request", is_flag=True, help="Print every request as sent (secrets masked).")
@credential_option
def test_command(
    limit: int, fmt: str, show_request: bool, credential: str | None, **source: Any
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
    """
    spec, flow = build_source(**source)
    resolved = resolve(spec)
    with open_connection(
        flow, ConnectionOptions(show_requests=show_request, credential=credential)
    ) as connection:
        lookups = prepare_lookups(flow, connection, [resolved])
        with Reader(connection, lookups=lookups, parallel_pages=False) as reader:
            records = list(reader.records(resolved, limit=limit))
    if fmt == "json":
        emit_json(records)
    elif fmt == "jsonl":
        for record in records:
            sys.stdout.write(json_text(record) + "\n")
    else:
        _print_table(records)


@cli.command()
@source_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@credential_option
def paths(as_json: bool, credential: str | None, **source: Any) -> None:
    """Suggest Path to Data and Path to Metadata from a sample response.

    Fetches the first page of SOURCE (same forms as `test`) and ranks candidate data paths
    (arrays of objects first, with the record count each yields; XPath for XML) and candidate
    metadata paths (scalars outside the data).

    \b
    Examples:
      clientsuccess-connector paths search_client_notes
      clientsuccess-connector paths --url /clientNote/search --json
    """
    spec, flow = build_source(**source)
    resolved = resolve(spec)
    with open_connection(flow, ConnectionOptions(credential=credential)) as connection:
        lookups = prepare_lookups(flow, connection, [resolved])
        with Reader(connection, lookups=lookups) as reader:
            response = reader.first_response(resolved)
    suggestions = suggest_paths(response.content, response.headers.get("Content-Type"))
    if as_json:
        emit_json(suggestions.to_dict())
        return
    click.echo(f"format: {suggestions.format}")
    click.echo("data paths (best first):")
    for s in suggestions.data:
        echo(f"  {s.path:40} {s.records:>6} record(s)  {s.description}")
    click.echo("metadata paths:")
    for s in suggestions.metadata:
        echo(f"  {s.path:40} {s.description}")
