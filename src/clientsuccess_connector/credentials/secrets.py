"""Where secrets live: the OS keyring when a real one exists, else an owner-only file.

`keyring` picks the platform's keyring (macOS Keychain, Windows Credential Locker, Secret
Service, KWallet). Its stand-ins (the fail, null and plaintext backends) are not real keyrings:
then secrets go to `secrets.toml` beside `credentials.toml`, mode 0600, refused when looser.
To keep secrets in that file on a machine with a keyring, set
`PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import keyring
import keyring.backend
import keyring.errors

from clientsuccess_connector.credentials.files import (
    read_toml,
    render_toml,
    require_owner_only,
    write_owner_only,
)
from clientsuccess_connector.credentials.model import SecretLocation
from clientsuccess_connector.errors import ConfigError

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "clientsuccess-connector"
SECRETS_FILE = "secrets.toml"
_NOT_REAL = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt.file")
_FILE_HEADER = """Secrets of the named ClientSuccess credentials (API keys and passwords).
Written by `clientsuccess-connector credentials`; keep this file mode 0600 and never commit it."""


class SecretBackend(Protocol):
    """One place secrets are kept, by credential name."""

    location: SecretLocation

    def get(self, name: str) -> str | None: ...
    def set(self, name: str, secret: str) -> None: ...
    def delete(self, name: str) -> None: ...


def real_keyring() -> keyring.backend.KeyringBackend | None:
    """The OS keyring `keyring` chose, or None when it is only a stand-in."""
    backend = keyring.get_keyring()
    if type(backend).__module__.startswith(_NOT_REAL) or backend.priority < 1:
        return None
    return backend


class KeyringSecrets:
    """Secrets in the OS keyring: service `clientsuccess-connector`, account `NAME@CONFIG_DIR`."""

    location: SecretLocation = "keyring"

    def __init__(self, config_dir: Path) -> None:
        self._config_dir = config_dir

    def _account(self, name: str) -> str:
        return f"{name}@{self._config_dir}"

    def _backend(self) -> keyring.backend.KeyringBackend:
        backend = real_keyring()
        if backend is None:
            raise ConfigError(
                "this credential's secret is in the OS keyring, which is not available now; "
                "unlock it, or store the credential again with `credentials add`"
            )
        return backend

    def get(self, name: str) -> str | None:
        try:
            return self._backend().get_password(KEYRING_SERVICE, self._account(name))
        except keyring.errors.KeyringError as exc:
            raise _keyring_failed("read", name, exc) from None

    def set(self, name: str, secret: str) -> None:
        try:
            self._backend().set_password(KEYRING_SERVICE, self._account(name), secret)
        except keyring.errors.KeyringError as exc:
            raise _keyring_failed("store", name, exc) from None

    def delete(self, name: str) -> None:
        try:
            self._backend().delete_password(KEYRING_SERVICE, self._account(name))
        except keyring.errors.PasswordDeleteError:
            logger.info("no secret of credential %s in the keyring", name)
        except keyring.errors.KeyringError as exc:
            raise _keyring_failed("delete", name, exc) from None


def _keyring_failed(action: str, name: str, exc: Exception) -> ConfigError:
    # The keyring's own message never holds the secret; its type says what went wrong.
    return ConfigError(
        f"the OS keyring could not {action} the secret of credential {name} "
        f"({type(exc).__name__}); unlock the keyring, or set "
        "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring to keep secrets in a file"
    )


class FileSecrets:
    """Secrets in `secrets.toml` (one `NAME = "secret"` line each), mode 0600."""

    location: SecretLocation = "file"

    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / SECRETS_FILE

    def _read(self) -> dict[str, str]:
        require_owner_only(self.path)
        data = read_toml(self.path)
        return {k: v for k, v in data.items() if isinstance(v, str)}

    def _write(self, secrets: dict[str, str]) -> None:
        write_owner_only(self.path, render_toml(_FILE_HEADER, secrets, {}))

    def get(self, name: str) -> str | None:
        return self._read().get(name)

    def set(self, name: str, secret: str) -> None:
        secrets = self._read()
        secrets[name] = secret
        self._write(secrets)

    def delete(self, name: str) -> None:
        secrets = self._read()
        if secrets.pop(name, None) is not None:
            self._write(secrets)


def secret_backend(location: SecretLocation, config_dir: Path) -> SecretBackend:
    """The backend for a stored location."""
    if location == "keyring":
        return KeyringSecrets(config_dir)
    return FileSecrets(config_dir)


def preferred_location() -> SecretLocation:
    """Where a new secret goes: the keyring when a real one exists, else the file."""
    return "keyring" if real_keyring() is not None else "file"
