"""`templates`: list the endpoint catalogue, or show one template's fields."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from clientsuccess_connector.catalog import Template, catalog, get_template
from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.completion import complete_templates
from clientsuccess_connector.cli.options import load_flow_option
from clientsuccess_connector.cli.output import emit, format_option, print_table
from clientsuccess_connector.cli.terminal import cells, echo

if TYPE_CHECKING:
    from clientsuccess_connector.config.flow import Flow


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
@format_option("How to print the templates (with NAME: its fields).")
@click.option(
    "--flow",
    "flow_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Show the templates as this flow file's `templates:` block corrects them.",
)
def templates(name: str | None, fmt: str, flow_file: Path | None) -> None:
    """List every endpoint template, or show one template's fields.

    Piped or redirected, the table is plain text with every name whole.

    \b
    Examples:
      clientsuccess-connector templates
      clientsuccess-connector templates | grep transcript
      clientsuccess-connector templates search_pulses
      clientsuccess-connector templates create_client_note --format json
      clientsuccess-connector templates --format csv > templates.csv
      clientsuccess-connector templates create_contact --flow flow.yaml
    """
    flow = load_flow_option(flow_file)
    if name is None:
        every = [_effective(t, flow) for t in catalog()]
        rows = []
        for t in every:
            row = _template_summary(t)
            if flow is not None:
                row["corrected"] = bool(_corrected(t.name, flow))
            rows.append(row)
        if fmt == "table":
            for row in rows:
                if row.pop("corrected", False):
                    row["path"] += " (corrected by the flow)"
                del row["evidence"]
        emit(rows, fmt)
        return
    template = _effective(name, flow)
    corrected = _corrected(name, flow)
    params = _template_detail(template)["params"]
    if fmt != "table":
        emit(params, fmt, document={**_template_detail(template), "corrected": corrected})
        return
    echo(f"{template.name}  {template.title}  ({template.kind})")
    echo(f"{template.method} {template.path}   evidence: {template.evidence}")
    if corrected:
        echo(f"corrected by {flow_file}: {', '.join(corrected)}")
    echo(template.description)
    if template.kind == "read":
        echo(
            f"pagination: {template.pagination}   data path: {template.data_path}   "
            f"primary key: {', '.join(template.primary_key) or '-'}   "
            f"incremental field: {template.incremental_field or '-'}"
        )
    if template.batch:
        echo(f"batch: {template.batch}   per-item results: {template.results_path}")
    if template.kind == "write":
        from clientsuccess_connector.write.guarantees import guarantee  # noqa: PLC0415

        level, why = guarantee(template)
        echo(f"guarantee: {level} ({why})")
    fields: list[list[str]] = []
    for p in template.params:
        extra = f" One of: {', '.join(p.enum)}." if p.enum and len(p.enum) <= 8 else ""
        fields.append(cells(p.name, p.type, p.location, "yes" if p.required else "",
                            p.description + extra))  # fmt: skip
    print_table(["field", "type", "in", "required", "description"], fields)
