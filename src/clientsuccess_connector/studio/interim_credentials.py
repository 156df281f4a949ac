"""A stand-in for the named-credential store until `clientsuccess_connector.credentials` lands.

Same surface as the real store (`CredentialStore`, `check_credential`), but credentials live
in this process only: they are forgotten when the studio stops. `services` imports the real
store when it exists and this module otherwise; nothing else imports it.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.errors import AuthError, ConfigError, ConnectorError, TransportError
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.reader import Reader

ENVIRONMENT = "environment"


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    """The non-secret parts of a credential."""

    name: str
    base_url: str
    auth: Literal["api-key", "token"]
    api_key_header: str
    username: str | None
    secret_location: str


@dataclass(frozen=True, slots=True)
class CredentialCheck:
    """The outcome of one authenticated call."""

    status: Literal["works", "refused", "unreachable"]
    message: str
    clients: int | None = None


class CredentialStore:
    """Credentials for this studio session, plus `environment` from CLIENTSUCCESS_* variables."""

    _lock = threading.Lock()

    def __init__(self, config_dir: Path | None = None) -> None:
        self._entries: dict[str, tuple[CredentialInfo, str]] = {}

    def list(self) -> list[CredentialInfo]:
        with self._lock:
            infos = [info for info, _ in self._entries.values()]
        env = _from_env()
        if env is not None:
            infos.append(
                CredentialInfo(
                    ENVIRONMENT,
                    env.base_url,
                    "token" if env.uses_token else "api-key",
                    env.api_key_header,
                    env.username,
                    "environment variables",
                )
            )
        return sorted(infos, key=lambda info: info.name)

    def add(
        self,
        name: str,
        *,
        base_url: str,
        auth: str,
        api_key_header: str = "X-API-Key",
        username: str | None = None,
        secret: str,
    ) -> None:
        if not name.strip() or name == ENVIRONMENT:
            raise ConfigError("Name is empty or reserved; give the credential a name such as prod")
        if auth not in ("api-key", "token"):
            raise ConfigError("Authentication must be api-key or token")
        if not secret:
            raise ConfigError("the secret is empty; give the API key or the password")
        if auth == "token" and not username:
            raise ConfigError("Username is empty; token authentication needs a username")
        ConnectionSettings(base_url=base_url, api_key_header=api_key_header)  # validates both
        info = CredentialInfo(
            name, base_url, "token" if auth == "token" else "api-key", api_key_header,
            username if auth == "token" else None, "studio session (not saved)",
        )  # fmt: skip
        with self._lock:
            self._entries[name] = (info, secret)

    def remove(self, name: str) -> None:
        with self._lock:
            if self._entries.pop(name, None) is None:
                raise ConfigError(f"no credential named {name!r}")

    def settings(self, name: str) -> ConnectionSettings:
        if name == ENVIRONMENT:
            env = _from_env()
            if env is not None:
                return env
        with self._lock:
            entry = self._entries.get(name)
        if entry is None:
            raise ConfigError(f"no credential named {name!r}; add it on the Credentials screen")
        info, secret = entry
        if info.auth == "token":
            return ConnectionSettings(base_url=info.base_url, username=info.username,
                                      password=secret)  # fmt: skip
        return ConnectionSettings(
            base_url=info.base_url, api_key=secret, api_key_header=info.api_key_header
        )


def _from_env() -> ConnectionSettings | None:
    if not (os.environ.get("CLIENTSUCCESS_API_KEY") or os.environ.get("CLIENTSUCCESS_USERNAME")):
        return None
    return ConnectionSettings.from_env()


def check_credential(settings: ConnectionSettings) -> CredentialCheck:
    """One authenticated call: the first page of Search Clients."""
    source = resolve(SourceSpec("check", template="search_clients", page_size=1))
    try:
        with Connection(settings.with_overrides(max_attempts=1)) as conn, Reader(conn) as reader:
            reader.first_response(source)
    except AuthError as exc:
        return CredentialCheck("refused", str(exc))
    except TransportError as exc:
        return CredentialCheck("unreachable", str(exc))
    except ConnectorError as exc:
        return CredentialCheck("refused", str(exc))
    return CredentialCheck("works", "the API answered")
