"""The `simulate` command is registered with helpful --help text."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from clientsuccess_connector.cli import cli


def test_simulate_help_lists_the_flags() -> None:
    """--help names every flag and the defaults users need."""
    result = CliRunner().invoke(cli, ["simulate", "--help"])
    assert result.exit_code == 0
    for flag in ("--host", "--port", "--clients", "--seed", "--latency-ms", "--fault-rate",
                 "--api-key", "--username", "--password", "--token-ttl", "--churn"):  # fmt: skip
        assert flag in result.output
    assert "sim-api-key" in result.output and "8765" in result.output


def test_simulate_on_port_zero_prints_the_port_it_got_and_serves_there() -> None:
    """`simulate --port 0` picks a free port and its printed URLs and exports use that port."""
    command = str(Path(sys.executable).with_name("clientsuccess-connector"))
    run = subprocess.Popen(
        [command, "simulate", "--port", "0", "--clients", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert run.stdout is not None
        lines = []
        for line in run.stdout:
            lines.append(line)
            if "export CLIENTSUCCESS_API_KEY" in line:
                break
        text = "".join(lines)
        found = re.search(r"export CLIENTSUCCESS_BASE_URL=(http://127\.0\.0\.1:(\d+)/api/v1)", text)
        assert found is not None, text
        assert found.group(2) != "0"
        key = re.search(r"export CLIENTSUCCESS_API_KEY=(\S+)", text)
        assert key is not None
        for _ in range(100):  # the server starts right after printing
            try:
                answer = httpx.get(
                    f"{found.group(1)}/client/search", headers={"X-API-Key": key.group(1)}
                )
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert answer.status_code == 200
    finally:
        run.terminate()
        run.communicate(timeout=30)  # reads the rest of stdout and closes it
