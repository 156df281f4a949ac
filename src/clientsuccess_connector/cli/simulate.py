"""CLI command `simulate`: serve the ClientSuccess API simulator until Ctrl-C."""

from __future__ import annotations

import click

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.options import parse_pairs
from clientsuccess_connector.cli.terminal import echo
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.simulator.app import SimulatorApp
from clientsuccess_connector.simulator.config import (
    DEFAULT_API_KEY,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    SimulatorConfig,
)
from clientsuccess_connector.simulator.profile import (
    BULK_RESULTS,
    COMPARES,
    COPIES,
    COUNTS,
    ECHOES,
    NOT_FOUND,
    PRECISIONS,
    QUERY_COSTS,
    SORTS,
    SPREADS,
    ServerProfile,
)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8765, show_default=True, type=int, help="TCP port (0 = any free).")
@click.option("--clients", default=200, show_default=True, type=click.IntRange(min=0),
              help="Seeded clients (each ~4 contacts, ~8 notes, ...).")  # fmt: skip
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the generated data.")
@click.option("--latency-ms", default=0.0, show_default=True, type=click.FloatRange(min=0),
              help="Added latency per API request, in milliseconds.")  # fmt: skip
@click.option("--fault-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Probability of a fault per request, spread evenly over 429, 503 (HTML "
                   "maintenance page), dropped connection and truncated JSON.")  # fmt: skip
@click.option("--retry-after", default=1.0, show_default=True, type=click.FloatRange(min=0),
              help="Retry-After seconds sent with simulated 429s.")  # fmt: skip
@click.option("--api-key", default=DEFAULT_API_KEY, show_default=True,
              help="API key accepted in X-API-Key (or Authorization).")  # fmt: skip
@click.option("--username", default=DEFAULT_USERNAME, show_default=True,
              help="Login accepted by POST /v1/auth.")  # fmt: skip
@click.option("--password", default=DEFAULT_PASSWORD, show_default=True,
              help="Password accepted by POST /v1/auth.")  # fmt: skip
@click.option("--token-ttl", default=43200.0, show_default=True, type=click.FloatRange(min=0),
              help="Lifetime of session tokens in seconds (expires_in).")  # fmt: skip
@click.option("--churn", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Probability that a search page after the first sees records change and "
                   "new ones appear (tests incremental reads under churn).")  # fmt: skip
@click.option("--fault-seed", default=0, show_default=True, type=int,
              help="Seed of the fault RNG, so a faulty run repeats exactly.")  # fmt: skip
@click.option("--move-route", "moves", multiple=True, metavar="TEMPLATE=PATH",
              help="Serve TEMPLATE at PATH instead (same {placeholders}), as an instance whose "
                   "route differs from the catalogue; repeatable.")  # fmt: skip
@click.option("--jitter-ms", default=0.0, show_default=True, type=click.FloatRange(min=0),
              help="Random extra latency per API request, up to this many ms.")  # fmt: skip
@click.option("--query-cost", default="indexed", show_default=True, type=click.Choice(QUERY_COSTS),
              help="indexed: searches come from a cached index; scan: a filtered or sorted "
                   "search scans and sorts every record, and a deep page costs like SQL "
                   "OFFSET.")  # fmt: skip
@click.option("--after-precision", default="ms", show_default=True,
              type=click.Choice(tuple(PRECISIONS)),
              help="Unit in which modifiedAfter is compared to modifiedTime.")  # fmt: skip
@click.option("--after-compare", default="after", show_default=True,
              type=click.Choice(COMPARES),
              help="Whether modifiedAfter means strictly after or at or after.")  # fmt: skip
@click.option("--sort", "sort", default="honoured", show_default=True, type=click.Choice(SORTS),
              help="ignored: every search answers newest first whatever sortBy says.")  # fmt: skip
@click.option("--counts", default="exact", show_default=True, type=click.Choice(COUNTS),
              help="missing: search pages carry no totalElements or totalPages; overstated: "
                   "totalElements is one more than the search returns.")  # fmt: skip
@click.option("--not-found", default="detailed", show_default=True, type=click.Choice(NOT_FOUND),
              help="plain: every 404 has the same body, for an unknown route and an unknown "
                   "record alike, as many gateways answer.")  # fmt: skip
@click.option("--page-cap", default=0, show_default=True, type=click.IntRange(min=0),
              help="Serve at most this many records a page whatever size asks; the envelope's "
                   "size and totalPages say the size used (0 = no cap).")  # fmt: skip
@click.option("--size-echo", default="used", show_default=True, type=click.Choice(ECHOES),
              help="asked: a search page's size field says the size asked for, not the one "
                   "the server used.")  # fmt: skip
@click.option("--null-stamps", default=0, show_default=True, type=click.IntRange(0, 100),
              help="Percent of seeded records whose cursor field (modifiedTime) is null; "
                   "searches sort nulls last and modifiedAfter never matches them.")  # fmt: skip
@click.option("--clock-offset", default=0, show_default=True, type=int,
              help="Seconds the server clock runs ahead (negative: behind): record stamps "
                   "and the Date header.")  # fmt: skip
@click.option("--visibility-lag", default=0, show_default=True, type=click.IntRange(min=0),
              help="Seconds after its stamp a change shows in searches (a lagging replica; "
                   "until then the earlier version).")  # fmt: skip
@click.option("--lag-spread", default="fixed", show_default=True, type=click.Choice(SPREADS),
              help="random: each change waits a seeded share of the lag, so changes show out "
                   "of their stamps' order.")  # fmt: skip
@click.option("--duplicates", default=0, show_default=True, type=click.IntRange(0, 100),
              help="Percent of records a search lists twice (a join; totalElements counts "
                   "rows).")  # fmt: skip
@click.option("--duplicate-copy", default="same", show_default=True, type=click.Choice(COPIES),
              help="older: a duplicate's second row has a modifiedTime one hour "
                   "earlier.")  # fmt: skip
@click.option("--bulk-results", default="zero-based", show_default=True,
              type=click.Choice(BULK_RESULTS),
              help="How bulk writes number their per-item results: one-based (the first item "
                   "is index 1) or shuffled (zero-based, in another order).")  # fmt: skip
def simulate(
    host: str,
    port: int,
    clients: int,
    seed: int,
    latency_ms: float,
    fault_rate: float,
    retry_after: float,
    api_key: str,
    username: str,
    password: str,
    token_ttl: float,
    churn: float,
    fault_seed: int,
    moves: tuple[str, ...],
    jitter_ms: float,
    query_cost: str,
    after_precision: str,
    after_compare: str,
    sort: str,
    counts: str,
    not_found: str,
    page_cap: int,
    null_stamps: int,
    clock_offset: int,
    visibility_lag: int,
    duplicates: int,
    duplicate_copy: str,
    size_echo: str,
    lag_spread: str,
    bulk_results: str,
) -> None:
    """Serve a faithful ClientSuccess API simulator until Ctrl-C.

    Every catalogue template is served under both /api/v1 and /v2, plus POST /v1/auth; the
    legacy v1 templates (paths beginning /v1/) at the origin.
    Send the API key as `X-API-Key: KEY`, or log in at /v1/auth and send `Authorization: TOKEN`.
    Faults and the server profile can also be switched at runtime: GET/PUT /_simulator/faults,
    GET/PUT /_simulator/profile, POST /_simulator/reset, GET /_simulator/stats (see
    `clientsuccess-connector docs simulator`).
    """
    config = SimulatorConfig(
        clients=clients, seed=seed, host=host, port=port, api_key=api_key, username=username,
        password=password, token_ttl=token_ttl, latency_ms=latency_ms, fault_rate=fault_rate,
        retry_after=retry_after, churn_rate=churn, fault_seed=fault_seed, jitter_ms=jitter_ms,
        profile=ServerProfile(query_cost, after_precision, after_compare, sort, counts, not_found,
            page_cap=page_cap, size_echo=size_echo, null_stamps=null_stamps,
            clock_offset=clock_offset, visibility_lag=visibility_lag, lag_spread=lag_spread,
            duplicates=duplicates, duplicate_copy=duplicate_copy,
            bulk_results=bulk_results),
        moved_routes=parse_pairs(moves, "--move-route"),
    )  # fmt: skip
    # the server needs the [simulator] extra; imported here so that --help works without it
    from clientsuccess_connector.simulator.server import (  # noqa: PLC0415
        install_log_filter,
        listening_socket,
        serve,
    )

    app = SimulatorApp(config)
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port or --host"
        ) from None
    base = f"http://{host}:{sock.getsockname()[1]}"  # the port we got: --port 0 picks one
    echo(f"ClientSuccess simulator: {clients} clients, seed {seed}")
    echo(f"  base URLs   {base}/api/v1   {base}/v2")
    echo(f"  login       POST {base}/v1/auth  username={username} password={password}")
    echo(f"  API key     {api_key}  (header X-API-Key, or Authorization)")
    echo(f"  admin       {base}/_simulator/faults | /stats | /reset")
    for name, path in config.moved_routes.items():
        echo(f"  moved       {name} -> {path}")
    echo("Export:")
    echo(f"  export CLIENTSUCCESS_BASE_URL={base}/api/v1")
    echo(f"  export CLIENTSUCCESS_API_KEY={api_key}")
    echo("Serving; press Ctrl-C to stop.")
    install_log_filter()
    serve(app, sock)
