"""`validate`: check a flow file without sending anything, or print its JSON Schema."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from clientsuccess_connector.catalog import Template
from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.config.flow import load_flow
from clientsuccess_connector.config.flow_model import flow_json_schema
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.compile import compile_sources
from clientsuccess_connector.syncing.run import require_primary_keys
from clientsuccess_connector.syncing.streams import select_sources
from clientsuccess_connector.write.job import WriteJob
from clientsuccess_connector.write.mapping import RowMapper


def schema_text() -> str:
    """The flow file's JSON Schema as published (docs/flow.schema.json)."""
    return orjson.dumps(flow_json_schema(), option=orjson.OPT_INDENT_2).decode() + "\n"


@cli.command()
@click.argument("flow_file", metavar="[FLOW]", required=False, default="flow.yaml",
                type=click.Path(dir_okay=False, path_type=Path))  # fmt: skip
@click.option("--schema", is_flag=True, help="Print the JSON Schema of flow files and exit.")
def validate(flow_file: Path, schema: bool) -> None:
    """Check a flow file (default: flow.yaml) the way every command will, sending nothing.

    Every key, type, template, parameter, route correction, pagination option, macro, lookup,
    date format, time unit, write `map:` and destination URL is checked, as `test`, `sync` and
    `write` would check them before their first request; the first mistake is printed with
    its key path (exit 2). With --schema,
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
    try:
        compiled = compile_sources(flow, select_sources(flow) if flow.sources else {})
        if flow.destination:  # a flow with a destination is synced: merges need a key
            require_primary_keys(compiled.sources.values())
        for name, job in flow.writes.items():
            check_write(name, job, flow.write_template(job) if job.template else None)
    except ConfigError as exc:
        raise ConfigError(f"{flow_file}: {exc}") from None
    parts = [f"{len(flow.sources)} source(s)", f"{len(flow.lookups)} lookup(s)",
             f"{len(flow.writes)} write(s)"]  # fmt: skip
    click.echo(f"{flow_file}: valid ({', '.join(parts)})")


def check_write(name: str, job: WriteJob, template: Template | None) -> None:
    """What `write` refuses before reading its input: a read template, a field given twice,
    a `map:` or `set:` naming a field the template does not have."""
    if template is None:
        return  # a manual endpoint's fields come from its input
    where = f"writes.{name}"
    if template.kind != "write":
        raise ConfigError(f"{where}: {template.name} is a read template; use a write template")
    both = sorted(set(job.constants) & set(job.params))
    if both:
        raise ConfigError(f"{where}: {both[0]!r} is given by both `set` and `params`; keep one")
    try:
        RowMapper(template, mapping=job.mapping, constants={**job.constants, **job.params})
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
