"""What a named credential is: its name rules, auth kinds and the public description."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from clientsuccess_connector.errors import ConfigError

AuthKind = Literal["api-key", "token"]
SecretLocation = Literal["keyring", "file", "environment"]
AUTH_KINDS: tuple[AuthKind, ...] = ("api-key", "token")
ENVIRONMENT = "environment"  # the credential the CLIENTSUCCESS_* variables make
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def validate_name(name: str) -> str:
    """`name` when it is letters, digits, `-` and `_` (at most 64); a ConfigError otherwise."""
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"credential name {name!r} must be 1 to 64 letters, digits, '-' or '_', e.g. prod"
        )
    return name


def validate_new_name(name: str) -> str:
    """`validate_name`, also refusing `environment` (the CLIENTSUCCESS_* variables' name)."""
    if validate_name(name) == ENVIRONMENT:
        raise ConfigError(
            "'environment' is the credential the CLIENTSUCCESS_* variables make; "
            "choose another name"
        )
    return name


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    """A credential as `credentials list` shows it: everything but the secret."""

    name: str
    base_url: str
    auth: AuthKind
    api_key_header: str | None = None
    username: str | None = None
    secret_location: SecretLocation = "keyring"


@dataclass(frozen=True, slots=True)
class CredentialCheck:
    """The answer of `check_credential`: works, refused or unreachable, in plain words."""

    status: Literal["works", "refused", "unreachable"]
    message: str
    clients: int | None = None

    @property
    def ok(self) -> bool:
        """True when the credential works."""
        return self.status == "works"
