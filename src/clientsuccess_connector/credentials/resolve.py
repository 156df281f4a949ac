"""Which settings a command connects with: the one place the precedence rules live.

Each setting comes from the first of these that gives it:
1. command-line flags (`--credential NAME` among them: that credential's URL and secret);
2. the flow file's `connection:` block;
3. the named credential (`credential:` in the flow file, else `CLIENTSUCCESS_CREDENTIAL`);
4. the other `CLIENTSUCCESS_*` variables (only when no credential is named).

Credentials go as a whole: a layer that names an API key drops the login of the layers
below it, and one that names a username or password drops their API key.

A secret keeps to the origin it was given for (credentials/binding.py): a flow may tune a
stored credential or the environment's key, but pointing it at another origin is refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from clientsuccess_connector.connection.settings import ENV_VARIABLES, ConnectionSettings
from clientsuccess_connector.credentials.binding import (
    Binding,
    check_binding,
    check_no_downgrade,
    credential_binding,
    environment_binding,
)
from clientsuccess_connector.credentials.model import ENVIRONMENT
from clientsuccess_connector.errors import ConfigError

if TYPE_CHECKING:
    from clientsuccess_connector.credentials.store import CredentialStore

CREDENTIAL_VARIABLE = "CLIENTSUCCESS_CREDENTIAL"
# What a credential given on the command line decides, whatever the flow file says: the
# instance, the secret, and where that secret may be sent.
_IDENTITY = frozenset({"base_url", "auth_url", "api_key", "api_key_header", "username",
                       "password", "send_credentials_to"})  # fmt: skip


def resolve_settings(
    flow_connection: Mapping[str, Any] | None = None,
    credential: str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    store: CredentialStore | None = None,
    flow_label: str | None = None,
    **flags: Any,
) -> ConnectionSettings:
    """The settings for one run: `credential` and `flags` come from the command line.

    `flow_connection` is a flow file's `connection:` block (its `credential:` key included),
    `flow_label` names that file in messages; `flags` are other settings given as options
    (None values are ignored). The origin rule (credentials/binding.py) is applied: a secret
    pointed at another origin than the one it was given for is a ConfigError.
    Credentials are not required here: callers that send requests call `require_credentials`.
    """
    settings, _ = resolve_with_sources(
        flow_connection, credential, env, store=store, flow_label=flow_label, **flags
    )
    return settings


def resolve_with_sources(
    flow_connection: Mapping[str, Any] | None = None,
    credential: str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    store: CredentialStore | None = None,
    flow_label: str | None = None,
    **flags: Any,
) -> tuple[ConnectionSettings, dict[str, str]]:
    """`resolve_settings`, and where each setting that is not a default came from
    (`{"base_url": "credential 'prod'", "max_concurrency": "flow.yaml", ...}`)."""
    env = os.environ if env is None else env
    label = flow_label or "the flow file"
    values = dict(flow_connection or {})
    flow_credential = values.pop("credential", None)
    if flow_credential is not None and not isinstance(flow_credential, str):
        raise ConfigError("connection.credential must be a credential name, e.g. prod")
    if credential:
        values = {k: v for k, v in values.items() if k not in _IDENTITY}
    given = {k: v for k, v in flags.items() if v is not None}
    sources = dict.fromkeys(values, label) | dict.fromkeys(given, "command line")
    values.update(given)
    name = credential or flow_credential or env.get(CREDENTIAL_VARIABLE) or None
    binding: Binding | None
    if name is None or name == ENVIRONMENT:
        base = ConnectionSettings.from_env(env)
        binding = environment_binding(base)
        below = {k: v for k, v in ENV_VARIABLES.items() if env.get(v)}
    else:
        # the store (and keyring behind it) loads only when a stored credential is named
        from clientsuccess_connector.credentials.store import CredentialStore  # noqa: PLC0415

        base = (store or CredentialStore(env=env)).settings(name)
        shown = _named(name, credential, flow_credential, label)
        binding = credential_binding(name, base.base_url, shown)
        base = replace(base, secret_source=shown)
        below = dict.fromkeys(
            ("base_url", "username", "password") if base.uses_token
            else ("base_url", "api_key", "api_key_header"),
            shown,
        )  # fmt: skip
    settings = overlay(base, values)
    if _own_secret(settings, values):
        source = _flow_source(settings, values, env, label)
        settings = replace(settings, secret_source=source)
        if binding is not None and source.startswith("CLIENTSUCCESS_"):  # a variable named
            check_no_downgrade(settings, binding, label)
    elif binding is not None:
        check_binding(settings, binding, label)
    kept = {k: v for k, v in below.items() if getattr(settings, k) is not None}
    return settings, kept | sources


def overlay(base: ConnectionSettings, values: Mapping[str, Any]) -> ConnectionSettings:
    """`base` with `values` on top, the credentials taken as a whole (see the module doc)."""
    names_key = values.get("api_key") is not None
    names_login = values.get("username") is not None or values.get("password") is not None
    if names_key and not names_login:
        base = replace(base, username=None, password=None)
    elif names_login and not names_key:
        base = replace(base, api_key=None)
    return base.with_overrides(**values)


def _own_secret(settings: ConnectionSettings, values: Mapping[str, Any]) -> bool:
    """True when the secret `settings` send is one the flow (or an option) gave itself."""
    if settings.uses_token:
        return values.get("password") is not None
    return values.get("api_key") is not None


def _named(name: str, flag: str | None, flow: str | None, label: str) -> str:
    """Credential `name` and who chose it, for messages."""
    if flag:
        return f"credential {name!r}"
    if flow:
        return f"credential {name!r} (named by {label})"
    return f"credential {name!r} (named by {CREDENTIAL_VARIABLE})"


def _flow_source(
    settings: ConnectionSettings, values: Mapping[str, Any], env: Mapping[str, str], label: str
) -> str:
    """Where a secret the flow gave came from: a variable it names, or the file itself."""
    key = "password" if settings.uses_token else "api_key"
    variable = "CLIENTSUCCESS_PASSWORD" if settings.uses_token else "CLIENTSUCCESS_API_KEY"
    given = values.get(key)
    if isinstance(given, str) and env.get(variable) and given.strip() == env[variable].strip():
        return f"{variable} (named by {label})"
    return f"{label} (connection: {key})"
