"""Precedence: command-line flags, then the flow file, then the named credential, then the
other CLIENTSUCCESS_* variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clientsuccess_connector.config.flow import parse_flow
from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.credentials import CredentialStore, resolve_settings
from clientsuccess_connector.errors import ConfigError

ENV_URL = "https://env.example.test/api/v1"
A_URL = "https://a.example.test/api/v1"
B_URL = "https://b.example.test/v2"
FLOW_URL = "https://flow.example.test/api/v1"


@pytest.fixture
def store(config_dir: Path) -> CredentialStore:
    """Two credentials: `a` an API key, `b` a login."""
    store = CredentialStore()
    store.add("a", base_url=A_URL, auth="api-key", api_key_header="Authorization",
              secret="key-a")  # fmt: skip
    store.add("b", base_url=B_URL, auth="token", username="b@example.com", secret="pass-b")
    return store


ENV = {
    "CLIENTSUCCESS_BASE_URL": ENV_URL,
    "CLIENTSUCCESS_API_KEY": "key-env",
    "CLIENTSUCCESS_USERNAME": "env@example.com",
    "CLIENTSUCCESS_PASSWORD": "pass-env",
}


def resolve(store: CredentialStore, *args: Any, **flags: Any) -> ConnectionSettings:
    """`resolve_settings` reading credentials from the test's store."""
    return resolve_settings(*args, store=store, **flags)


def test_without_a_credential_the_environment_is_used(store: CredentialStore) -> None:
    settings = resolve(store, None, None, ENV)
    assert (settings.base_url, settings.api_key) == (ENV_URL, "key-env")


def test_clientsuccess_credential_outranks_the_other_variables(store: CredentialStore) -> None:
    """The credential's URL and secret as a whole: nothing of the environment's login leaks in."""
    settings = resolve(store, None, None, {**ENV, "CLIENTSUCCESS_CREDENTIAL": "b"})
    assert (settings.base_url, settings.username, settings.password) == (
        B_URL, "b@example.com", "pass-b",
    )  # fmt: skip
    assert settings.api_key is None and settings.uses_token


def test_the_flow_credential_outranks_clientsuccess_credential(store: CredentialStore) -> None:
    env = {**ENV, "CLIENTSUCCESS_CREDENTIAL": "b"}
    settings = resolve(store, {"credential": "a"}, None, env)
    assert (settings.base_url, settings.api_key, settings.api_key_header) == (
        A_URL, "key-a", "Authorization",
    )  # fmt: skip


def test_flow_settings_outrank_the_named_credential(store: CredentialStore) -> None:
    """The flow's URL and tuning win; its API key replaces the credential's login."""
    flow = {"credential": "b", "base_url": FLOW_URL, "max_concurrency": 2, "api_key": "key-flow"}
    settings = resolve(store, flow, None, ENV)
    assert (settings.base_url, settings.max_concurrency, settings.api_key) == (
        FLOW_URL, 2, "key-flow",
    )  # fmt: skip
    assert not settings.uses_token and settings.password is None


def test_a_flow_login_replaces_the_environment_api_key(store: CredentialStore) -> None:
    """A flow naming a username/password logs in, even with CLIENTSUCCESS_API_KEY set."""
    flow = {"username": "flow@example.com", "password": "pass-flow"}
    settings = resolve(store, flow, None, ENV)
    assert settings.uses_token and settings.api_key is None
    assert (settings.username, settings.password) == ("flow@example.com", "pass-flow")


def test_the_command_line_credential_outranks_the_flow(store: CredentialStore) -> None:
    """`--credential` decides URL and secret; the flow's other settings still apply."""
    flow = {"credential": "b", "base_url": FLOW_URL, "api_key": "key-flow", "max_concurrency": 2}
    settings = resolve(store, flow, "a", {**ENV, "CLIENTSUCCESS_CREDENTIAL": "b"})
    assert (settings.base_url, settings.api_key, settings.max_concurrency) == (A_URL, "key-a", 2)


def test_command_line_flags_outrank_everything(store: CredentialStore) -> None:
    flow = {"credential": "a", "max_concurrency": 2}
    settings = resolve(store, flow, None, ENV, max_concurrency=7, requests_per_second=None)
    assert settings.max_concurrency == 7 and settings.requests_per_second is None


def test_environment_names_the_variables_explicitly(store: CredentialStore) -> None:
    """`--credential environment` ignores CLIENTSUCCESS_CREDENTIAL and the flow's credential."""
    env = {**ENV, "CLIENTSUCCESS_CREDENTIAL": "a"}
    settings = resolve(store, {"credential": "b"}, "environment", env)
    assert (settings.base_url, settings.api_key) == (ENV_URL, "key-env")


def test_an_unknown_credential_is_a_config_error(store: CredentialStore) -> None:
    with pytest.raises(ConfigError, match="no credential named 'c'") as info:
        resolve(store, None, "c", ENV)
    assert info.value.exit_code == 2
    with pytest.raises(ConfigError, match="no credential named 'c'"):
        resolve(store, None, None, {"CLIENTSUCCESS_CREDENTIAL": "c"})


def test_a_flow_file_names_a_credential(
    store: CredentialStore, tmp_path: Path, config_dir: Path
) -> None:
    """`credential:` is a known `connection:` key; a non-name is refused with the file named."""
    flow = parse_flow({"connection": {"credential": "a", "max_concurrency": 3}},
                      path=tmp_path / "f.yaml", env={})  # fmt: skip
    settings = flow.connection_settings({"CLIENTSUCCESS_CONFIG_DIR": str(config_dir)})
    assert (settings.api_key, settings.max_concurrency) == ("key-a", 3)
    with pytest.raises(ConfigError, match=r"f.yaml: connection.credential must be a name"):
        parse_flow({"connection": {"credential": 3}}, path=tmp_path / "f.yaml", env={})
