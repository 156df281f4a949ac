"""Bad configuration exits 2 with one plain line naming the problem, and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli

ENV = {"CLIENTSUCCESS_BASE_URL": "http://127.0.0.1:9/api/v1", "CLIENTSUCCESS_API_KEY": "k" * 16}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["test", "search_pulse"], "unknown template 'search_pulse'; did you mean 'search_pulses'"),
        (
            ["test", "search_pulses", "-p", "clientId=abc"],
            "'clientId' must be an integer, not 'abc'",
        ),
        (["test", "search_contract_notes"], "needs parameter 'contractId'"),
        (["test", "search_pulses", "-p", "clientid=4"], "unknown parameter(s) clientid"),
        (["test", "create_pulse"], "writes data"),
        (["test", "--url", "/x", "--data-path", "$.data["], "not valid JSONPath"),
        (["test", "--url", "/x?d={nwo-1}"], "unknown macro"),
        (["test", "--url", "/x?d={now-1}", "--time-unit", "fortnight"], "time_unit"),
        (["test", "--url", "/x", "--body", "{not json"], "--body is not valid JSON"),
        (["test", "search_pulses", "-p", "clientId"], "is not NAME=VALUE"),
        (["templates", "nope"], "unknown template 'nope'"),
        (["sync", "--stream", "nope"], "unknown stream(s) nope"),
        (["sync", "--every", "soon"], "is not a duration"),
    ],
)
def test_bad_usage_exits_2_with_one_line(args: list[str], message: str) -> None:
    """Each mistake is caught before any request, in one line that names it."""
    result = CliRunner().invoke(cli, args, env=ENV)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in result.output


def test_missing_credentials_names_the_variables() -> None:
    """No key and no login: say which variables to set."""
    result = CliRunner().invoke(cli, ["test", "search_pulses"], env={"CLIENTSUCCESS_API_KEY": ""})
    assert result.exit_code == 2
    assert "CLIENTSUCCESS_API_KEY" in result.stderr


def test_flow_file_unknown_key_names_the_path(tmp_path: Path) -> None:
    """A typo in a flow file names the file, the key path and the known keys."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("sources:\n  notes:\n    template: search_client_notes\n    data_pth: $.x\n")
    result = CliRunner().invoke(cli, ["test", "--flow", str(flow), "notes"], env=ENV)
    assert result.exit_code == 2
    assert "sources.notes: unknown key(s) data_pth" in result.stderr


def test_flow_file_missing_env_var(tmp_path: Path) -> None:
    """`${VAR}` that is not set is an error naming VAR."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("connection:\n  api_key: ${NOT_SET_ANYWHERE_X}\n")
    result = CliRunner().invoke(cli, ["sync", "--flow", str(flow)], env=ENV)
    assert result.exit_code == 2
    assert "NOT_SET_ANYWHERE_X" in result.stderr


def test_templates_lists_every_template() -> None:
    """`templates --json` lists the whole catalogue; `templates NAME` shows its fields."""
    result = CliRunner().invoke(cli, ["templates"])
    assert result.exit_code == 0
    assert "search_contract_attachments" in result.output
    detail = CliRunner().invoke(cli, ["templates", "create_pulse"])
    assert "dispositionType" in detail.output
    assert "required" in detail.output or "yes" in detail.output


def test_init_writes_an_owner_only_flow(tmp_path: Path) -> None:
    """`init` writes a starter flow file that parses, readable by its owner only."""
    target = tmp_path / "flow.yaml"
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 0
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    from clientsuccess_connector.config.flow import load_flow

    flow = load_flow(target, env={"CLIENTSUCCESS_API_KEY": "x" * 10})
    assert "contract_notes" in flow.sources
    again = CliRunner().invoke(cli, ["init", str(target)])
    assert again.exit_code == 2
