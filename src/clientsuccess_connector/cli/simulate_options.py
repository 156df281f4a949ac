"""`simulate`'s options, built into the SimulatorConfig a run starts with."""

from __future__ import annotations

from typing import Any

import click

from clientsuccess_connector.cli.bundles import OptionBundle
from clientsuccess_connector.cli.options import parse_pairs
from clientsuccess_connector.cli.simulator_profile_options import SERVER_PROFILE_OPTIONS
from clientsuccess_connector.simulator.config import (
    DEFAULT_API_KEY,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    SimulatorConfig,
)


def _config(*, churn: float, moves: tuple[str, ...], **values: Any) -> SimulatorConfig:
    """The config the options describe: `--churn` is its churn_rate, `--move-route` its
    moved_routes; every other option is named as its field."""
    return SimulatorConfig(
        **values, churn_rate=churn, moved_routes=parse_pairs(moves, "--move-route")
    )


SIMULATOR_OPTIONS = OptionBundle(
    _config,
    click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on."),
    click.option(
        "--port", default=8765, show_default=True, type=int, help="TCP port (0 = any free)."
    ),
    click.option(
        "--clients",
        default=200,
        show_default=True,
        type=click.IntRange(min=0),
        help="Seeded clients (each ~4 contacts, ~8 notes, ...).",
    ),
    click.option(
        "--seed", default=1, show_default=True, type=int, help="Seed of the generated data."
    ),
    click.option(
        "--latency-ms",
        default=0.0,
        show_default=True,
        type=click.FloatRange(min=0),
        help="Added latency per API request, in milliseconds.",
    ),
    click.option(
        "--fault-rate",
        default=0.0,
        show_default=True,
        type=click.FloatRange(0, 1),
        help="Probability of a fault per request, spread evenly over 429, 503 (HTML "
        "maintenance page), dropped connection and truncated JSON.",
    ),
    click.option(
        "--retry-after",
        default=1.0,
        show_default=True,
        type=click.FloatRange(min=0),
        help="Retry-After seconds sent with simulated 429s.",
    ),
    click.option(
        "--api-key",
        default=DEFAULT_API_KEY,
        show_default=True,
        help="API key accepted in X-API-Key (or Authorization).",
    ),
    click.option(
        "--username",
        default=DEFAULT_USERNAME,
        show_default=True,
        help="Login accepted by POST /v1/auth.",
    ),
    click.option(
        "--password",
        default=DEFAULT_PASSWORD,
        show_default=True,
        help="Password accepted by POST /v1/auth.",
    ),
    click.option(
        "--token-ttl",
        default=43200.0,
        show_default=True,
        type=click.FloatRange(min=0),
        help="Lifetime of session tokens in seconds (expires_in).",
    ),
    click.option(
        "--churn",
        default=0.0,
        show_default=True,
        type=click.FloatRange(0, 1),
        help="Probability that a search page after the first sees records change and "
        "new ones appear (tests incremental reads under churn).",
    ),
    click.option(
        "--fault-seed",
        default=0,
        show_default=True,
        type=int,
        help="Seed of the fault RNG, so a faulty run repeats exactly.",
    ),
    click.option(
        "--move-route",
        "moves",
        multiple=True,
        metavar="TEMPLATE=PATH",
        help="Serve TEMPLATE at PATH instead (same {placeholders}), as an instance whose "
        "route differs from the catalogue; repeatable.",
    ),
    click.option(
        "--jitter-ms",
        default=0.0,
        show_default=True,
        type=click.FloatRange(min=0),
        help="Random extra latency per API request, up to this many ms.",
    ),
    parts={"profile": SERVER_PROFILE_OPTIONS},
)
