"""`config` prints every connection setting a run would use with its source, secrets masked."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.credentials import CredentialStore

KEY = "sk-config-cmd-9d8c7b6a"


def run(args: list[str], **env: str) -> Result:
    return CliRunner().invoke(cli, ["config", *args, "--format", "json"], env=env)


def sources(result: Result) -> dict[str, tuple[object, str]]:
    assert result.exit_code == 0, result.output
    return {row["setting"]: (row["value"], row["source"]) for row in json.loads(result.output)}


def test_the_environment_and_defaults_are_named(config_dir: Path) -> None:
    got = sources(run([], CLIENTSUCCESS_API_KEY=KEY,
                      CLIENTSUCCESS_BASE_URL="https://x.example/api/v1"))  # fmt: skip
    assert got["base_url"] == ("https://x.example/api/v1", "CLIENTSUCCESS_BASE_URL")
    assert got["api_key"] == ("***", "CLIENTSUCCESS_API_KEY")
    assert got["timeout"] == (30.0, "default") and got["username"] == ("", "not set")
    assert got["attempt_deadline"] == (60.0, "default")


def test_a_flow_over_a_credential_and_no_secret_shown(config_dir: Path, tmp_path: Path) -> None:
    CredentialStore().add("prod", base_url="https://prod.example/api/v1", secret=KEY)
    flow = tmp_path / "flow.yaml"
    flow.write_text("connection:\n  credential: prod\n  max_concurrency: 2\n")
    result = run(["--flow", str(flow)])
    got = sources(result)
    assert got["base_url"] == (
        "https://prod.example/api/v1",
        f"credential 'prod' (named by {flow})",
    )
    assert got["max_concurrency"] == (2, str(flow))
    assert got["api_key"][0] == "***" and got["secret"][1].startswith("credential 'prod'")
    assert KEY not in result.output
    flag = sources(run(["--flow", str(flow), "--credential", "prod"]))
    assert flag["api_key"][1] == "credential 'prod'"


def test_a_flow_pointing_a_secret_elsewhere_is_refused_here_too(
    config_dir: Path, tmp_path: Path
) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text("connection:\n  base_url: https://evil.example/api/v1\n")
    result = CliRunner().invoke(cli, ["config", "--flow", str(flow)],
                                env={"CLIENTSUCCESS_API_KEY": KEY})  # fmt: skip
    assert result.exit_code == 2 and "CLIENTSUCCESS_API_KEY" in result.output
    assert KEY not in result.output
