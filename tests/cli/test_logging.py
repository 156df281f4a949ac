"""Log lines on stderr: `-v` shows each retry as it happens; JSON lines carry the same events."""

from __future__ import annotations

import json
from pathlib import Path

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
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]  # every line on stderr is one JSON object
    assert all(isinstance(e, dict) for e in events)
    retries = [e for e in events if e.get("event") == "log" and "retrying in" in e["message"]]
    assert len(retries) == 2
    assert {e["level"] for e in retries} == {"warning"}
    assert all(e["logger"].startswith("clientsuccess_connector") for e in retries)
    first = retries[0]  # and the retry's facts as fields, not only inside the message
    assert first["action"] == "retry" and first["status"] == 503 and first["attempt"] == 2
    assert isinstance(first["wait"], float) and "/product/search" in first["url"]
    assert first["method"] == "GET" and "stream" in first


def test_json_retry_events_name_the_stream_in_a_sync(simulator: SimulatorHandle, tmp_path: Path
                                                     ) -> None:  # fmt: skip
    """A sync's retry events say which stream retried."""
    simulator.faults.next("503", 1, route="search_products")
    destination = f"jsonl:///{tmp_path / 'out'}"
    result = CliRunner().invoke(
        cli, ["--log-format", "json", "sync", "--stream", "products", "--destination",
              destination], env=simulator.env(),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    retries = [e for e in events if e.get("action") == "retry"]
    assert retries and retries[0]["stream"] == "products" and retries[0]["status"] == 503


def test_log_level_error_hides_the_retries(simulator: SimulatorHandle) -> None:
    result = run(simulator, "--log-level", "error")
    assert result.exit_code == 0, result.output
    assert "retrying in" not in result.stderr


def test_debug_level_says_why_a_page_series_stopped(simulator: SimulatorHandle) -> None:
    result = run(simulator, "-vv")
    assert result.exit_code == 0, result.output
    debug = [line for line in result.stderr.splitlines() if line.startswith("debug: ")]
    assert any("page series" in line and "stopped after" in line for line in debug), debug


def test_json_log_format_keeps_errors_and_notes_machine_readable(
    simulator: SimulatorHandle,
) -> None:
    """Under --log-format json, an error and the CLI's own notes are JSON lines too."""
    bad = CliRunner().invoke(
        cli, ["--log-format", "json", "sync", "--destination", "nowhere"], env=simulator.env()
    )
    assert bad.exit_code == 2
    (line,) = [json.loads(text) for text in bad.stderr.splitlines() if text.strip()]
    assert line["level"] == "error" and "bad destination" in line["message"]
    routes = CliRunner().invoke(
        cli, ["check-routes", "--dry-run", "--log-format", "json"], env=simulator.env()
    )
    assert routes.exit_code == 0, routes.output
    notes = [json.loads(text) for text in routes.stderr.splitlines() if text.strip()]
    assert any("nothing was sent" in n["message"] for n in notes)
