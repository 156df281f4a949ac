"""`validate`: check a flow file without sending anything, or print its JSON Schema."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.config.flow_model import flow_json_schema
from clientsuccess_connector.flow import load_flow
from clientsuccess_connector.read.endpoint import resolve


def schema_text() -> str:
    """The flow file's JSON Schema as published (docs/flow.schema.json)."""
    return orjson.dumps(flow_json_schema(), option=orjson.OPT_INDENT_2).decode() + "\n"


@cli.command()
@click.argument("flow_file", metavar="[FLOW]", required=False, default="flow.yaml",
                type=click.Path(dir_okay=False, path_type=Path))  # fmt: skip
@click.option("--schema", is_flag=True, help="Print the JSON Schema of flow files and exit.")
def validate(flow_file: Path, schema: bool) -> None:
    """Check a flow file (default: flow.yaml) the way every command will, sending nothing.

    Every key, type, template, parameter, route correction, pagination option and destination
    URL is checked; the first mistake is printed with its key path (exit 2). With --schema,
    print the JSON Schema of flow files for editor completion instead.

    \b
    Examples:
      clientsuccess-connector validate flow.yaml
      clientsuccess-connector validate --schema > flow.schema.json
    """
    if schema:
        click.echo(schema_text(), nl=False)
        return
    flow = load_flow(flow_file)
    flow.connection_settings()
    for spec in flow.sources.values():
        resolve(spec)
    for job in flow.writes.values():
        if job.template:
            flow.write_template(job)
    parts = [f"{len(flow.sources)} source(s)", f"{len(flow.lookups)} lookup(s)",
             f"{len(flow.writes)} write(s)"]  # fmt: skip
    click.echo(f"{flow_file}: valid ({', '.join(parts)})")
