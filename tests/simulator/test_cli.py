"""The `simulate` command is registered with helpful --help text."""

from __future__ import annotations

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
