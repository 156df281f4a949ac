"""Credentials as the browser may see them (never a secret): list, add, remove, check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clientsuccess_connector.credentials import AUTH_KINDS, CredentialStore, check_credential
from clientsuccess_connector.errors import ConfigError


@dataclass(frozen=True, slots=True)
class CredentialRow:
    """A credential as the browser may see it: never a secret."""

    name: str
    base_url: str
    auth: str
    username: str | None
    secret_location: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one authenticated call with a credential."""

    status: str  # works | refused | unreachable
    message: str


class Credentials:
    """The credential store behind the Credentials screen (the same one `credentials` uses)."""

    def __init__(self, config_dir: Path | None = None) -> None:
        self.store = CredentialStore(config_dir)

    def rows(self) -> list[CredentialRow]:
        return [
            CredentialRow(c.name, c.base_url, c.auth, c.username, c.secret_location)
            for c in self.store.list()
        ]

    def names(self) -> list[str]:
        return [c.name for c in self.store.list()]

    def add(
        self,
        name: str,
        *,
        base_url: str,
        auth: str,
        api_key_header: str,
        username: str | None,
        secret: str,
    ) -> None:
        kind = next((k for k in AUTH_KINDS if k == auth), None)
        if kind is None:
            raise ConfigError(f"Authentication must be one of {', '.join(AUTH_KINDS)}")
        self.store.add(
            name,
            base_url=base_url,
            auth=kind,
            api_key_header=api_key_header,
            username=username,
            secret=secret,
        )

    def remove(self, name: str) -> None:
        self.store.remove(name)

    def check(self, name: str) -> CheckResult:
        result = check_credential(self.store.settings(name), name)
        return CheckResult(result.status, result.message)
