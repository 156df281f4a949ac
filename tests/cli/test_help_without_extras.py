"""`--help` of a command whose feature needs an extra works without that extra installed."""

from __future__ import annotations

import subprocess
import sys

import pytest

# uvicorn hidden as if the [simulator] extra were not installed: None in sys.modules makes
# every `import uvicorn` raise ImportError.
_WITHOUT_SIMULATOR = """
import sys
sys.modules["uvicorn"] = None
sys.modules["httptools"] = None
from clientsuccess_connector.cli import cli
cli(sys.argv[1:], prog_name="clientsuccess-connector")
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh interpreter without the simulator's libraries."""
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_SIMULATOR, *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("command", ["simulate", "demo"])
def test_help_needs_no_simulator_extra(command: str) -> None:
    """`simulate --help` and `demo --help` print their help and exit 0."""
    done = run(command, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and "--clients" in done.stdout


def test_running_still_names_the_extra() -> None:
    """Running `simulate` without the extra is exit 2 naming the extra to install."""
    done = run("simulate", "--port", "0")
    assert done.returncode == 2
    assert "pip install 'clientsuccess-connector[simulator]'" in done.stderr
