"""Log lines on stderr: `-v` shows each retry as it happens; JSON lines carry the same events."""

from __future__ import annotations

import json

from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle


def run(simulator: SimulatorHandle, *args: str) -> Result:
    """`test search_products` with two 503s forced on its first request."""
    simulator.faults.next("503", 2, route="search_products")
    env = simulator.env()
    return CliRunner().invoke(cli, ["test", "search_products", "--limit", "1", *args], env=env)


def test_verbose_shows_each_retry_with_its_reason(simulator: SimulatorHandle) -> None:
    result = run(simulator, "-v")
    assert result.exit_code == 0, result.output
    retries = [line for line in result.stderr.splitlines() if "retrying in" in line]
    assert len(retries) == 2, result.stderr
    assert all(line.startswith("warning: ") and "HTTP 503" in line for line in retries)


def test_json_log_lines_carry_the_same_events(simulator: SimulatorHandle) -> None:
    result = run(simulator, "--log-format", "json")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    retries = [e for e in events if e.get("event") == "log" and "retrying in" in e["message"]]
    assert len(retries) == 2
    assert {e["level"] for e in retries} == {"warning"}
    assert all(e["logger"].startswith("clientsuccess_connector") for e in retries)


def test_log_level_error_hides_the_retries(simulator: SimulatorHandle) -> None:
    result = run(simulator, "--log-level", "error")
    assert result.exit_code == 0, result.output
    assert "retrying in" not in result.stderr


def test_debug_level_says_why_a_page_series_stopped(simulator: SimulatorHandle) -> None:
    result = run(simulator, "-vv")
    assert result.exit_code == 0, result.output
    assert "debug: " in result.stderr, result.stderr
