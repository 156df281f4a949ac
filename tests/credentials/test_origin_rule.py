"""A secret goes only to the origin it was given for: a stored credential to its base URL, the
environment's key to CLIENTSUCCESS_BASE_URL (or the default), never from https to http.

Every refusal is checked where it matters: the other origin's request log stays empty."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.credentials import CredentialStore, resolve_settings
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.integration.plan import plan_streams
from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator

KEY = "sk-origin-rule-5b1d9e70"
STORED_URL = "https://api.example.test/api/v1"


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[SimulatorHandle, SimulatorHandle]]:
    """`home` accepts the key; `other` is an origin the key was never given for."""
    with (
        run_simulator(SimulatorConfig(clients=3, seed=5, api_key=KEY)) as home,
        run_simulator(SimulatorConfig(clients=3, seed=6, api_key=KEY)) as other,
    ):
        yield home, other


@pytest.fixture
def sims(
    origins: tuple[SimulatorHandle, SimulatorHandle],
) -> tuple[SimulatorHandle, SimulatorHandle]:
    """Both simulators, their request counts reset for this test."""
    for sim in origins:
        sim.stats.reset()
    return origins


def invoke(args: list[str], stdin: str | None = None, **env: str) -> Result:
    return CliRunner().invoke(cli, args, input=stdin, env=env)


def add(name: str, url: str, secret: str = KEY) -> None:
    result = invoke(["credentials", "add", name, "--base-url", url, "--secret-stdin"],
                    stdin=secret + "\n")  # fmt: skip
    assert result.exit_code == 0, result.output


def write_flow(tmp_path: Path, connection: str) -> Path:
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        f"connection:\n{connection}sources:\n  clients:\n    template: search_clients\n"
    )
    return flow


def test_a_flow_cannot_point_a_stored_credential_at_another_origin(
    sims: tuple[SimulatorHandle, SimulatorHandle], config_dir: Path, tmp_path: Path
) -> None:
    """`credential: prod` plus `base_url: <elsewhere>` is refused before anything is sent."""
    home, other = sims
    add("prod", home.api_v1_url)
    flow = write_flow(tmp_path, f"  credential: prod\n  base_url: {other.api_v1_url}\n")
    result = invoke(["test", "--flow", str(flow), "clients"])
    assert result.exit_code == 2, result.output
    assert "credential 'prod'" in result.output and "credentials rebind prod" in result.output
    assert KEY not in result.output
    assert other.stats.requests() == 0 and home.stats.requests() == 0


def test_clientsuccess_credential_cannot_be_pointed_elsewhere_either(
    sims: tuple[SimulatorHandle, SimulatorHandle], config_dir: Path, tmp_path: Path
) -> None:
    """The credential named by CLIENTSUCCESS_CREDENTIAL keeps to its origin too."""
    home, other = sims
    add("prod", home.api_v1_url)
    flow = write_flow(tmp_path, f"  base_url: {other.api_v1_url}\n")
    result = invoke(["test", "--flow", str(flow), "clients"], CLIENTSUCCESS_CREDENTIAL="prod")
    assert result.exit_code == 2 and "CLIENTSUCCESS_CREDENTIAL" in result.output
    assert other.stats.requests() == 0


def test_the_same_origin_on_another_path_is_fine(
    sims: tuple[SimulatorHandle, SimulatorHandle], config_dir: Path, tmp_path: Path
) -> None:
    """The rule is about origins: the flow may pick another path of the same instance."""
    home, other = sims
    add("prod", home.api_v1_url)
    flow = write_flow(tmp_path, f"  credential: prod\n  base_url: {home.api_v1_url}/\n")
    result = invoke(["test", "--flow", str(flow), "clients", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert home.stats.requests() > 0 and other.stats.requests() == 0


@pytest.mark.parametrize(
    "extra",
    [{"send_credentials_to": ["https://evil.example"]},
     {"auth_url": "https://evil.example/v1/auth"}],
    ids=["send_credentials_to", "auth_url"],
)  # fmt: skip
def test_a_flow_cannot_widen_where_a_stored_secret_goes(
    config_dir: Path, extra: dict[str, Any]
) -> None:
    """`send_credentials_to` or a login URL on another origin would carry the secret there."""
    store = CredentialStore()
    store.add("sb", base_url=STORED_URL, auth="token", username="u@example.com", secret="pw-1234")
    with pytest.raises(ConfigError, match=r"credential 'sb'.*evil\.example"):
        resolve_settings({"credential": "sb", **extra}, None, {}, store=store)


def test_the_command_line_credential_ignores_the_flow_url(config_dir: Path) -> None:
    """`--credential prod` decides the URL: a flow's other base_url is not used, not refused."""
    store = CredentialStore()
    store.add("prod", base_url=STORED_URL, secret=KEY)
    block = {"base_url": "https://evil.example/api/v1"}
    settings = resolve_settings(block, "prod", {}, store=store)
    assert settings.base_url == STORED_URL and settings.secret_source == "credential 'prod'"


def test_the_environment_key_goes_only_to_the_environment_url(
    sims: tuple[SimulatorHandle, SimulatorHandle], config_dir: Path, tmp_path: Path
) -> None:
    """A flow setting only base_url cannot take CLIENTSUCCESS_API_KEY along to its host."""
    home, other = sims
    flow = write_flow(tmp_path, f"  base_url: {other.api_v1_url}\n")
    env = {"CLIENTSUCCESS_API_KEY": KEY}
    for extra in ({}, {"CLIENTSUCCESS_BASE_URL": home.api_v1_url}):
        result = invoke(["test", "--flow", str(flow), "clients"], **env, **extra)
        assert result.exit_code == 2, result.output
        assert "CLIENTSUCCESS_API_KEY" in result.output and "${CLIENTSUCCESS_API_KEY}" in (
            result.output
        )
    assert other.stats.requests() == 0


def test_a_flow_that_names_the_variable_sends_it_on_purpose(
    sims: tuple[SimulatorHandle, SimulatorHandle], config_dir: Path, tmp_path: Path
) -> None:
    """`api_key: ${CLIENTSUCCESS_API_KEY}` is the flow's opt-in; its source is named."""
    home, other = sims
    flow = write_flow(
        tmp_path,
        f"  base_url: {other.api_v1_url}\n  api_key: ${{CLIENTSUCCESS_API_KEY}}\n",
    )
    env = {"CLIENTSUCCESS_API_KEY": KEY, "CLIENTSUCCESS_BASE_URL": home.api_v1_url}
    result = invoke(["test", "--flow", str(flow), "clients", "--limit", "1"], **env)
    assert result.exit_code == 0, result.output
    assert other.stats.requests() > 0


def test_never_from_https_to_http_even_when_named(config_dir: Path) -> None:
    """A key given with an https base URL is not sent to plain http, whoever asks."""
    env = {"CLIENTSUCCESS_API_KEY": KEY}
    block = {"base_url": "http://api.clientsuccess.com/api/v1", "api_key": KEY}
    with pytest.raises(ConfigError, match="never go from https to http") as info:
        resolve_settings(block, None, env, flow_label="flow.yaml")
    assert KEY not in str(info.value) and "CLIENTSUCCESS_API_KEY" in str(info.value)


def test_a_literal_key_in_the_flow_is_the_flows_own(config_dir: Path) -> None:
    """A key written in the flow file goes where that file says; messages name the file."""
    block = {"base_url": "https://other.example/api/v1", "api_key": "sk-literal-12345"}
    settings = resolve_settings(block, None, {}, flow_label="flow.yaml")
    assert settings.secret_source == "flow.yaml (connection: api_key)"


def test_a_refused_key_names_its_credential(
    sims: tuple[SimulatorHandle, SimulatorHandle], config_dir: Path, tmp_path: Path
) -> None:
    """A 401 says which credential's key failed, not CLIENTSUCCESS_API_KEY."""
    home, _ = sims
    add("stale", home.api_v1_url, secret="sk-wrong-key-00000000")
    result = invoke(["test", "search_clients", "--credential", "stale"])
    assert result.exit_code == 1, result.output
    assert "credential 'stale'" in result.output
    assert "CLIENTSUCCESS_API_KEY" not in result.output


def test_a_refused_environment_key_names_the_variable(
    sims: tuple[SimulatorHandle, SimulatorHandle], config_dir: Path
) -> None:
    home, _ = sims
    env = {"CLIENTSUCCESS_API_KEY": "sk-wrong-key-00000000", "CLIENTSUCCESS_BASE_URL":
           home.api_v1_url}  # fmt: skip
    result = invoke(["test", "search_clients"], **env)
    assert result.exit_code == 1 and "API key from CLIENTSUCCESS_API_KEY" in result.output


def test_rebind_asks_and_moves_the_credential(
    sims: tuple[SimulatorHandle, SimulatorHandle], config_dir: Path, tmp_path: Path
) -> None:
    """`credentials rebind` asks; no keeps the origin, yes moves it and the flow then works."""
    home, other = sims
    add("prod", home.api_v1_url)
    declined = invoke(["credentials", "rebind", "prod", "--base-url", other.api_v1_url],
                      stdin="n\n")  # fmt: skip
    assert declined.exit_code == 1 and "unchanged" in declined.output
    assert CredentialStore().get("prod").base_url == home.api_v1_url
    moved = invoke(["credentials", "rebind", "prod", "--base-url", other.api_v1_url],
                   stdin="y\n")  # fmt: skip
    assert moved.exit_code == 0, moved.output
    flow = write_flow(tmp_path, f"  credential: prod\n  base_url: {other.api_v1_url}\n")
    result = invoke(["test", "--flow", str(flow), "clients", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert other.stats.requests() > 0 and home.stats.requests() == 0


def test_rebind_never_moves_a_secret_from_https_to_http(config_dir: Path) -> None:
    CredentialStore().add("prod", base_url=STORED_URL, secret=KEY)
    result = invoke(["credentials", "rebind", "prod", "--base-url",
                     "http://api.example.test/api/v1", "--yes"])  # fmt: skip
    assert result.exit_code == 2 and "plain http" in result.output
    assert CredentialStore().get("prod").base_url == STORED_URL


def test_a_piped_secret_without_secret_stdin_is_read_without_a_warning(
    config_dir: Path,
) -> None:
    """Piping a key into `credentials add` reads it like --secret-stdin; no GetPassWarning."""
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
           "PYTHONWARNINGS": "default"}  # fmt: skip
    command = [sys.executable, "-m", "clientsuccess_connector", "credentials", "add", "ci",
               "--base-url", STORED_URL]  # fmt: skip
    done = subprocess.run(command, input=KEY + "\n", capture_output=True, text=True, env=env,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "GetPassWarning" not in done.stderr and "--secret-stdin" in done.stderr
    assert KEY not in done.stdout + done.stderr
    assert CredentialStore().settings("ci").api_key == KEY


def test_a_refused_write_names_its_credential(
    sims: tuple[SimulatorHandle, SimulatorHandle], config_dir: Path, tmp_path: Path
) -> None:
    """A write refused with 401 says which credential's key to check."""
    home, _ = sims
    add("stale", home.api_v1_url, secret="sk-wrong-key-00000000")
    rows = tmp_path / "pulses.jsonl"
    rows.write_text('{"clientId": 1, "note": "x"}\n', "utf-8")
    result = invoke(["write", "create_pulse", "-i", str(rows), "--credential", "stale"])
    assert result.exit_code == 1, result.output
    assert "credential 'stale'" in result.output and "sk-wrong-key" not in result.output


def test_dlt_and_singer_settings_keep_to_the_origin_too(config_dir: Path) -> None:
    """The dlt source's and Singer tap's `connection` settings go through the same rule."""
    CredentialStore().add("prod", base_url=STORED_URL, secret=KEY)
    with pytest.raises(ConfigError, match="credential 'prod'"):
        plan_streams({"credential": "prod", "base_url": "https://evil.example/api/v1"})
    with pytest.raises(ConfigError, match="CLIENTSUCCESS_API_KEY"):
        plan_streams({"base_url": "https://evil.example/api/v1"},
                     env={"CLIENTSUCCESS_API_KEY": KEY})  # fmt: skip
