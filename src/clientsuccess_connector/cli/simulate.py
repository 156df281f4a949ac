"""CLI command `simulate`: serve the ClientSuccess API simulator until Ctrl-C."""

from __future__ import annotations

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.simulate_options import SIMULATOR_OPTIONS
from clientsuccess_connector.cli.terminal import echo
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.simulator.app import SimulatorApp
from clientsuccess_connector.simulator.config import SimulatorConfig


@cli.command()
@SIMULATOR_OPTIONS.into("config")
def simulate(config: SimulatorConfig) -> None:
    """Serve a faithful ClientSuccess API simulator until Ctrl-C.

    Every catalogue template is served under both /api/v1 and /v2, plus POST /v1/auth; the
    legacy v1 templates (paths beginning /v1/) at the origin.
    Send the API key as `X-API-Key: KEY`, or log in at /v1/auth and send `Authorization: TOKEN`.
    Faults and the server profile can also be switched at runtime: GET/PUT /_simulator/faults,
    GET/PUT /_simulator/profile, POST /_simulator/reset, GET /_simulator/stats (see
    `clientsuccess-connector docs simulator`).
    """
    # the server needs the [simulator] extra; imported here so that --help works without it
    from clientsuccess_connector.simulator.server import (  # noqa: PLC0415
        install_log_filter,
        listening_socket,
        serve,
    )

    app = SimulatorApp(config)
    try:
        sock = listening_socket(config.host, config.port)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {config.host}:{config.port} ({exc.strerror}); "
            "choose another --port or --host"
        ) from None
    _announce(config, f"http://{config.host}:{sock.getsockname()[1]}")  # --port 0 picks one
    install_log_filter()
    serve(app, sock)


def _announce(config: SimulatorConfig, base: str) -> None:
    """Where the simulator listens, how to log in, and the exports that point a sync at it."""
    echo(f"ClientSuccess simulator: {config.clients} clients, seed {config.seed}")
    echo(f"  base URLs   {base}/api/v1   {base}/v2")
    echo(
        f"  login       POST {base}/v1/auth  username={config.username} password={config.password}"
    )
    echo(f"  API key     {config.api_key}  (header X-API-Key, or Authorization)")
    echo(f"  admin       {base}/_simulator/faults | /stats | /reset")
    for name, path in config.moved_routes.items():
        echo(f"  moved       {name} -> {path}")
    echo("Export:")
    echo(f"  export CLIENTSUCCESS_BASE_URL={base}/api/v1")
    echo(f"  export CLIENTSUCCESS_API_KEY={config.api_key}")
    echo("Serving; press Ctrl-C to stop.")
