"""Which settings a command connects with: the one place the precedence rules live.

Each setting comes from the first of these that gives it:
1. command-line flags (`--credential NAME` among them: that credential's URL and secret);
2. the flow file's `connection:` block;
3. the named credential (`credential:` in the flow file, else `CLIENTSUCCESS_CREDENTIAL`);
4. the other `CLIENTSUCCESS_*` variables (only when no credential is named).

Credentials go as a whole: a layer that names an API key drops the login of the layers
below it, and one that names a username or password drops their API key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from clientsuccess_connector.connection.settings import ConnectionSettings
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
    **flags: Any,
) -> ConnectionSettings:
    """The settings for one run: `credential` and `flags` come from the command line.

    `flow_connection` is a flow file's `connection:` block (its `credential:` key included);
    `flags` are other settings given as command-line options (None values are ignored).
    Credentials are not required here: callers that send requests call `require_credentials`.
    """
    env = os.environ if env is None else env
    values = dict(flow_connection or {})
    flow_credential = values.pop("credential", None)
    if flow_credential is not None and not isinstance(flow_credential, str):
        raise ConfigError("connection.credential must be a credential name, e.g. prod")
    if credential:
        values = {k: v for k, v in values.items() if k not in _IDENTITY}
    name = credential or flow_credential or env.get(CREDENTIAL_VARIABLE) or None
    if name is None or name == ENVIRONMENT:
        base = ConnectionSettings.from_env(env)
    else:
        # the store (and keyring behind it) loads only when a stored credential is named
        from clientsuccess_connector.credentials.store import CredentialStore  # noqa: PLC0415

        base = (store or CredentialStore(env=env)).settings(name)
    return overlay(base, values).with_overrides(**flags)


def overlay(base: ConnectionSettings, values: Mapping[str, Any]) -> ConnectionSettings:
    """`base` with `values` on top, the credentials taken as a whole (see the module doc)."""
    names_key = values.get("api_key") is not None
    names_login = values.get("username") is not None or values.get("password") is not None
    if names_key and not names_login:
        base = replace(base, username=None, password=None)
    elif names_login and not names_key:
        base = replace(base, api_key=None)
    return base.with_overrides(**values)
