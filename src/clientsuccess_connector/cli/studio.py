"""`studio`: the product doc's screens (credentials, data flows, datasets, write) in a browser."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.logs import notice
from clientsuccess_connector.errors import ConfigError


@cli.command(name="studio")
@click.option(
    "--flow",
    "flow_file",
    default="flow.yaml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Flow file the studio reads and saves (created on the first Create).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8737, show_default=True, help="Port to listen on (0: any free).")
@click.option("--no-browser", is_flag=True, help="Print the address; do not open a browser.")
def studio_command(flow_file: Path, host: str, port: int, no_browser: bool) -> None:
    """Serve the studio: set up credentials and data flows, test, sync and write, in a browser.

    Prints one line `Studio: http://HOST:PORT/?token=TOKEN`; the token is new on every start
    and every request needs it (the browser keeps it as a cookie after the first visit). Syncs
    go to the flow file's destination. Stop with Ctrl-C.

    \b
    Examples:
      clientsuccess-connector studio
      clientsuccess-connector studio --flow demo.yaml --no-browser
    """
    from clientsuccess_connector.studio.server import (  # noqa: PLC0415 (starlette loads on use)
        RunningStudio,
        is_loopback,
        serve_forever,
    )

    if not is_loopback(host):
        notice(
            f"--host {host} lets other machines reach the studio (anyone with the "
            "token can read and write your ClientSuccess data); prefer 127.0.0.1",
            "warning",
        )

    def ready(running: RunningStudio) -> None:
        click.echo(f"Studio: {running.start_url}")
        if not no_browser:
            webbrowser.open(running.start_url)

    try:
        serve_forever(flow_file, host=host, port=port, on_ready=ready)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port, or 0 for any"
        ) from None
    except KeyboardInterrupt:
        notice("stopped")
