"""`config`: every connection setting a run would use, with where it came from."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import click

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.completion import complete_credentials
from clientsuccess_connector.cli.options import load_flow_option
from clientsuccess_connector.cli.output import emit, format_option
from clientsuccess_connector.connection.redaction import MASK, looks_secret
from clientsuccess_connector.connection.settings import ConnectionSettings
from clientsuccess_connector.credentials.resolve import resolve_with_sources

_SECRETS = frozenset({"api_key", "password"})


@cli.command("config")
@click.option("--flow", "flow_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Flow file whose connection: block to apply.")  # fmt: skip
@click.option("--credential", metavar="NAME", shell_complete=complete_credentials,
              help="Stored credential, as on test, paths, sync and write.")  # fmt: skip
@format_option("How to print the settings.")
def config(flow_file: Path | None, credential: str | None, fmt: str) -> None:
    """Print every connection setting as a run would resolve it, and its source.

    The source is `command line`, the flow file, a credential (`credential 'prod'`), a
    CLIENTSUCCESS_* variable, or `default`. Secrets are shown as ***; nothing is sent.
    The same origin rule as a run applies: a flow pointing a secret elsewhere is an error.

    \b
    Examples:
      clientsuccess-connector config
      clientsuccess-connector config --flow flow.yaml --format json
    """
    flow = load_flow_option(flow_file)
    label = str(flow.path) if flow and flow.path else None
    settings, sources = resolve_with_sources(
        flow.connection if flow else None, credential, flow_label=label
    )
    rows = [
        {
            "setting": f.name,
            "value": _shown(settings, f.name),
            "source": _source(settings, f.name, sources),
        }
        for f in fields(settings)
        if f.name != "secret_source"
    ]
    rows.append({"setting": "secret", "value": "", "source": settings.secret_source or "none"})
    emit(rows, fmt, ["setting", "value", "source"])


def _shown(settings: ConnectionSettings, name: str) -> Any:
    value = getattr(settings, name)
    if value is None:
        return ""
    if name in _SECRETS:
        return MASK
    if name == "headers":
        return {k: MASK if looks_secret(k, settings.secret_headers) else v
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, tuple):
        return list(value)
    return value


def _source(settings: ConnectionSettings, name: str, sources: dict[str, str]) -> str:
    if name in sources:
        return sources[name]
    return "not set" if getattr(settings, name) is None else "default"
