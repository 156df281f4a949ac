"""No combination of flow file, flag and environment variables the tests try sends a secret
to an origin it was not given for: either the settings are refused, or every URL the secret
may go to is on its own origin (a flow's own key excepted, which goes where that flow says)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.connection.urls import origin_parts
from clientsuccess_connector.credentials import CredentialStore, resolve_settings
from clientsuccess_connector.errors import ConfigError

STORED_URL = "https://api.example.test/api/v1"
STORED_KEY, STORED_PASSWORD = "sk-stored-1111aaaa", "pw-stored-2222bbbb"
ENV_KEY, FLOW_KEY = "sk-env-3333cccc", "sk-flow-4444dddd"
DEFAULT = "https://api.clientsuccess.com/api/v1"
URLS = [
    STORED_URL,
    "https://api.example.test/v2",
    "https://other.example.test/api/v1",
    "http://api.example.test/api/v1",
    "http://evil.example.test/api/v1",
    "http://127.0.0.1:9/api/v1",
    DEFAULT,
]
maybe_url = st.none() | st.sampled_from(URLS)


@st.composite
def combinations(draw: st.DrawFn) -> tuple[dict[str, Any], str | None, dict[str, str]]:
    """(flow connection block, --credential, environment)."""
    env: dict[str, str] = {}
    if draw(st.booleans()):
        env["CLIENTSUCCESS_API_KEY"] = ENV_KEY
    if (url := draw(maybe_url)) is not None:
        env["CLIENTSUCCESS_BASE_URL"] = url
    if draw(st.booleans()):
        env["CLIENTSUCCESS_CREDENTIAL"] = draw(st.sampled_from(["prod", "login"]))
    block: dict[str, Any] = {}
    if draw(st.booleans()):
        block["credential"] = draw(st.sampled_from(["prod", "login", "environment"]))
    if (url := draw(maybe_url)) is not None:
        block["base_url"] = url
    key = draw(st.sampled_from([None, FLOW_KEY, ENV_KEY]))
    if key is not None:
        block["api_key"] = key
    if draw(st.booleans()):
        block["send_credentials_to"] = [draw(st.sampled_from(URLS[:3] + URLS[4:5]))]
    if draw(st.booleans()):
        block["auth_url"] = draw(st.sampled_from(URLS)).rsplit("/api", 1)[0] + "/v1/auth"
    flag = draw(st.sampled_from([None, "prod", "login"]))
    return block, flag, env


def _targets(s: ConnectionSettings) -> set[tuple[str, str, int]]:
    urls = [s.base_url, *s.send_credentials_to, *([s.login_url] if s.uses_token else [])]
    return {origin_parts(u) for u in urls}


@pytest.fixture
def store(config_dir: Path) -> CredentialStore:
    store = CredentialStore()
    store.add("prod", base_url=STORED_URL, secret=STORED_KEY)
    store.add("login", base_url=STORED_URL, auth="token", username="u@x.test",
              secret=STORED_PASSWORD)  # fmt: skip
    return store


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(combinations())
def test_no_secret_reaches_an_origin_it_was_not_given_for(
    store: CredentialStore, combination: tuple[dict[str, Any], str | None, dict[str, str]]
) -> None:
    block, flag, env = combination
    try:
        s = resolve_settings(block, flag, env, store=store, flow_label="flow.yaml")
    except ConfigError as exc:
        assert not {STORED_KEY, STORED_PASSWORD, ENV_KEY, FLOW_KEY} & set(str(exc).split())
        return
    secret = s.api_key if s.api_key is not None else s.password
    if "CLIENTSUCCESS_API_KEY" not in env and secret == ENV_KEY:
        return  # the flow's own literal key (equal to no variable): it goes where it says
    if secret in (STORED_KEY, STORED_PASSWORD):
        assert _targets(s) == {origin_parts(STORED_URL)}, (block, flag, env)
    elif secret == ENV_KEY and block.get("api_key") != ENV_KEY:
        env_origin = origin_parts(env.get("CLIENTSUCCESS_BASE_URL") or DEFAULT)
        assert _targets(s) == {env_origin}, (block, flag, env)
    elif secret == ENV_KEY:  # the flow named the variable: never from https to plain http
        env_url = env.get("CLIENTSUCCESS_BASE_URL") or DEFAULT
        if env_url.startswith("https:"):
            plain = {t for t in _targets(s) if t[0] == "http" and t[1] != "127.0.0.1"}
            assert not plain, (block, flag, env)
