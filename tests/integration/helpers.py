"""Helpers for reading from the simulator through the library and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp
from clientsuccess_connector.simulator import SimulatorHandle


def run_cli(sim: SimulatorHandle, *args: str, **env: str) -> Result:
    """Invoke the CLI against a simulator (API key in the environment)."""
    return CliRunner().invoke(cli, list(args), env={**sim.env(), **env}, catch_exceptions=False)


def jsonl(result: Result) -> list[dict[str, object]]:
    """Records printed with --format jsonl."""
    return [orjson.loads(line) for line in result.stdout.splitlines() if line.strip()]


def connect(sim: SimulatorHandle, **overrides: object) -> Connection:
    """A connection to the simulator with fast retries."""
    options: dict[str, object] = {
        "base_url": sim.api_v1_url, "api_key": sim.api_key, "backoff_base": 0.01,
        "backoff_cap": 0.05,
    }  # fmt: skip
    options.update(overrides)  # api_key=None really removes the key (login instead)
    settings = ConnectionSettings(**options)  # type: ignore[arg-type]
    return Connection(settings)


def normal(value: Any) -> Any:
    """A value as the API would have sent it, whatever the destination made of it."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, str) and "T" in value and parse_timestamp(value) is not None:
        moment = parse_timestamp(value)
        assert moment is not None
        return format_timestamp(moment)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    return value
