"""The root command group and its error boundary: library errors become one line + exit code."""

from __future__ import annotations

import sys
from typing import Any

import click

from clientsuccess_connector._version import __version__
from clientsuccess_connector.errors import ConnectorError


class ErrorBoundaryGroup(click.Group):
    """Turns ConnectorError into `error: <one line>` and its exit code, unless --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConnectorError as exc:
            if ctx.find_root().params.get("debug"):
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=ErrorBoundaryGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clientsuccess-connector")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print only results and errors.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Format of log lines on stderr.",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, quiet: bool, log_format: str) -> None:
    """Move data in and out of ClientSuccess.

    Read any endpoint (templates or manual), sync streams into DuckDB, PostgreSQL or files,
    push records through write templates, and run a faithful API simulator.
    Connection settings come from CLIENTSUCCESS_* environment variables or a flow file.
    """
    ctx.ensure_object(dict)
    ctx.obj.update(debug=debug, quiet=quiet, log_format=log_format)
