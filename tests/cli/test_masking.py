"""URL passwords and environment secrets never reach the terminal, whatever the error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli

SECRET = "hunter2-not-shown"
KEY = "k" * 16
ENV = {"CLIENTSUCCESS_BASE_URL": "http://127.0.0.1:9/api/v1", "CLIENTSUCCESS_API_KEY": KEY}
CLOSED_PORT = f"postgresql://loader:{SECRET}@127.0.0.1:1/crm"  # nothing listens on port 1


@pytest.mark.parametrize(
    "args",
    [
        ["sync", "--destination", f"{CLOSED_PORT}?schema=cs"],
        ["schema", "--destination", CLOSED_PORT],
        ["write", "create_contact", "--dry-run", "--input", f"{CLOSED_PORT}?query=SELECT 1"],
        ["sync", "--destination", f"mysql://loader:{SECRET}@127.0.0.1/crm"],
        ["sync", "--destination", f"{CLOSED_PORT}?password={SECRET}&schema=cs"],
    ],
)
def test_a_url_password_is_masked_in_errors(args: list[str]) -> None:
    """A destination or input that cannot be opened is named with its password as ***."""
    result = CliRunner().invoke(cli, args, env=ENV)
    assert result.exit_code == 2, result.output
    assert "loader:***@127.0.0.1" in result.output
    assert SECRET not in result.output
    assert SECRET[:8] not in result.output


def test_unexpected_errors_mask_url_passwords_and_environment_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Even a message the toolkit did not write (a bug) has both kinds of secret masked."""

    def broken(url: str, **_: object) -> None:
        raise RuntimeError(f"driver said: {CLOSED_PORT} rejected key {KEY}")

    monkeypatch.setattr("clientsuccess_connector.cli.schema.open_sink", broken)
    result = CliRunner().invoke(cli, ["schema", "--destination", "duckdb:///x.duckdb"], env=ENV)
    assert result.exit_code == 1
    assert "this is a bug" in result.output
    assert SECRET not in result.output
    assert KEY not in result.output
    assert "loader:***@127.0.0.1" in result.output
