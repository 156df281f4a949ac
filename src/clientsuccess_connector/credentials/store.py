"""CredentialStore: named credentials in `credentials.toml`, their secrets kept apart."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import platformdirs

from clientsuccess_connector.connection.settings import (
    DEFAULT_BASE_URL,
    KEY_HEADERS,
    ConnectionSettings,
)
from clientsuccess_connector.connection.urls import origin
from clientsuccess_connector.credentials.changes import changing
from clientsuccess_connector.credentials.files import read_toml, render_toml, write_owner_only
from clientsuccess_connector.credentials.model import (
    AUTH_KINDS,
    ENVIRONMENT,
    AuthKind,
    CredentialInfo,
    SecretLocation,
    validate_name,
    validate_new_name,
)
from clientsuccess_connector.credentials.secrets import preferred_location, secret_backend
from clientsuccess_connector.errors import ConfigError

logger = logging.getLogger(__name__)

CONFIG_DIR_VARIABLE = "CLIENTSUCCESS_CONFIG_DIR"
CREDENTIALS_FILE = "credentials.toml"
_KEYS = {"base_url", "auth", "api_key_header", "username", "secret"}
_HEADER = """Named ClientSuccess credentials, written by `clientsuccess-connector credentials`.
No secrets here: `secret` says where each one is kept (the OS keyring or secrets.toml)."""


def default_config_dir(env: Mapping[str, str] | None = None) -> Path:
    """`CLIENTSUCCESS_CONFIG_DIR`, else the platform's user config directory for this tool."""
    env = os.environ if env is None else env
    chosen = env.get(CONFIG_DIR_VARIABLE)
    if chosen:
        return Path(chosen).expanduser()
    return Path(platformdirs.user_config_dir("clientsuccess-connector", appauthor=False))


class CredentialStore:
    """Named credentials: non-secret parts in `credentials.toml`, secrets in the keyring or file.

    store = CredentialStore()
    store.add("prod", base_url="https://api.clientsuccess.com/api/v1", auth="api-key",
              secret=key)
    Connection(store.settings("prod"))
    """

    def __init__(
        self, config_dir: str | Path | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.config_dir = Path(config_dir) if config_dir else default_config_dir(self.env)
        self.path = self.config_dir / CREDENTIALS_FILE

    # -- public API ------------------------------------------------------------------------

    def list(self) -> list[CredentialInfo]:
        """Every stored credential by name, then `environment` when CLIENTSUCCESS_* set one."""
        infos = [_info(name, entry) for name, entry in sorted(self._read().items())]
        environment = environment_info(self.env)
        return [*infos, environment] if environment else infos

    def get(self, name: str) -> CredentialInfo:
        """One credential's description; a ConfigError naming the known ones if unknown."""
        if name == ENVIRONMENT:
            info = environment_info(self.env)
            if info is None:
                raise ConfigError(
                    "credential 'environment' needs CLIENTSUCCESS_API_KEY, or "
                    "CLIENTSUCCESS_USERNAME and CLIENTSUCCESS_PASSWORD, to be set"
                )
            return info
        entries = self._read()
        if validate_name(name) not in entries:
            known = ", ".join(i.name for i in self.list()) or "none yet"
            raise ConfigError(
                f"no credential named {name!r} (known: {known}); "
                f"add it with `clientsuccess-connector credentials add {name}`"
            )
        return _info(name, entries[name])

    def add(
        self,
        name: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        auth: AuthKind = "api-key",
        api_key_header: str = "X-API-Key",
        username: str | None = None,
        secret: str,
    ) -> CredentialInfo:
        """Store (or replace) a credential; the secret goes to the keyring or the secrets file."""
        entry = validate_new(name, base_url, auth, api_key_header, username)
        secret = _checked_secret(name, entry["auth"], secret)
        location = preferred_location()
        with changing(self.config_dir):
            entries = self._read()
            previous = entries.get(name)
            if previous is not None and previous.get("secret") != location:
                secret_backend(_location(name, previous), self.config_dir).delete(name)
            secret_backend(location, self.config_dir).set(name, secret)
            entries[name] = {**entry, "secret": location}
            self._write(entries)
        logger.info("stored credential %s (secret in the %s)", name, location)
        return _info(name, entries[name])

    def rebind(self, name: str, base_url: str) -> CredentialInfo:
        """Send credential `name`'s secret to `base_url` from now on (the secret is kept).

        Never from https to plain http: a secret given for https is typed again for http."""
        info = self.get(name)
        if name == ENVIRONMENT:
            raise ConfigError(
                "'environment' comes from the CLIENTSUCCESS_* variables; set "
                "CLIENTSUCCESS_BASE_URL instead"
            )
        entry = _entry(name, base_url, info.auth, info.api_key_header or "X-API-Key",
                       info.username)  # fmt: skip
        if info.base_url.startswith("https:") and not base_url.startswith("https:"):
            raise ConfigError(
                f"credential {name} was stored for https; its secret never goes to plain http "
                f"({origin(base_url)}): use the https URL, or store a new credential for it "
                "with `clientsuccess-connector credentials add`"
            )
        with changing(self.config_dir):
            entries = self._read()
            entries[name] = {**entries[name], "base_url": entry["base_url"]}
            self._write(entries)
        logger.info("credential %s now goes to %s", name, origin(base_url))
        return _info(name, entries[name])

    def remove(self, name: str) -> CredentialInfo:
        """Forget a credential and delete its secret."""
        info = self.get(name)
        if name == ENVIRONMENT:
            raise ConfigError(
                "'environment' comes from the CLIENTSUCCESS_* variables; unset them instead"
            )
        with changing(self.config_dir):
            entries = self._read()
            secret_backend(info.secret_location, self.config_dir).delete(name)
            entries.pop(name, None)
            self._write(entries)
        logger.info("removed credential %s", name)
        return info

    def settings(self, name: str, **overrides: Any) -> ConnectionSettings:
        """The connection settings of credential `name`, secret included."""
        info = self.get(name)
        if info.secret_location == "environment":
            return ConnectionSettings.from_env(self.env, **overrides)
        secret = secret_backend(info.secret_location, self.config_dir).get(name)
        if not secret:
            raise ConfigError(
                f"the secret of credential {name} is missing from the {info.secret_location}; "
                f"store it again with `clientsuccess-connector credentials add {name}`"
            )
        if info.auth == "token":
            values: dict[str, Any] = {"username": info.username, "password": secret}
        else:
            values = {"api_key": secret, "api_key_header": info.api_key_header}
        source = f"credential {name!r}"
        return ConnectionSettings(
            base_url=info.base_url, secret_source=source, **values
        ).with_overrides(**overrides)

    # -- the file ------------------------------------------------------------------------

    def _read(self) -> dict[str, dict[str, str]]:
        raw = read_toml(self.path)
        entries: dict[str, dict[str, str]] = {}
        for name, entry in raw.items():
            where = f"{self.path}: [{name}]"
            if not isinstance(entry, dict):
                raise ConfigError(f"{where} must be a table of settings; fix or delete it")
            unknown = set(entry) - _KEYS
            if unknown:
                raise ConfigError(
                    f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
                    f"known: {', '.join(sorted(_KEYS))}"
                )
            if not all(isinstance(v, str) for v in entry.values()):
                raise ConfigError(f"{where}: every value must be a quoted string")
            entries[name] = entry
        return entries

    def _write(self, entries: dict[str, dict[str, str]]) -> None:
        write_owner_only(self.path, render_toml(_HEADER, {}, entries))


def validate_new(
    name: str,
    base_url: str = DEFAULT_BASE_URL,
    auth: str = "api-key",
    api_key_header: str = "X-API-Key",
    username: str | None = None,
) -> dict[str, str]:
    """A new credential's non-secret settings, validated (before its secret is asked for)."""
    validate_new_name(name)
    return _entry(name, base_url, auth, api_key_header, username)


def _entry(
    name: str, base_url: str, auth: str, api_key_header: str, username: str | None
) -> dict[str, str]:
    """The non-secret settings of a credential, validated."""
    if auth not in AUTH_KINDS:
        raise ConfigError(f"credential {name}: auth must be api-key or token, not {auth!r}")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"credential {name}: the base URL {base_url!r} is not an http(s) URL; "
            f"give one like {DEFAULT_BASE_URL}"
        )
    if "@" in parts.netloc:
        raise ConfigError(
            f"credential {name}: the base URL must not hold a user name or password; "
            "use --auth token --username U, and give the password at the prompt"
        )
    ConnectionSettings(base_url=base_url)  # and the connection's own checks
    if auth == "token":
        if not username:
            raise ConfigError(f"credential {name}: token auth needs a username (--username U)")
        return {"base_url": base_url, "auth": auth, "username": username}
    if api_key_header not in KEY_HEADERS:
        raise ConfigError(
            f"credential {name}: api_key_header must be {' or '.join(KEY_HEADERS)}, "
            f"not {api_key_header!r}"
        )
    return {"base_url": base_url, "auth": auth, "api_key_header": api_key_header}


def _checked_secret(name: str, auth: str, secret: str) -> str:
    """The secret to store: an API key loses surrounding blanks and must fit in a header."""
    if auth == "api-key":
        secret = secret.strip()
        if not (secret.isascii() and secret.isprintable()):
            raise ConfigError(
                f"credential {name}: the API key holds characters an HTTP header cannot carry "
                "(non-ASCII or control characters); copy it again from ClientSuccess"
            )
    if not secret:
        raise ConfigError(f"credential {name}: the secret is empty; give the API key or password")
    return secret


def _location(name: str, entry: Mapping[str, str]) -> SecretLocation:
    location = entry.get("secret", "")
    if location not in ("keyring", "file"):
        raise ConfigError(f"credential {name}: secret must be keyring or file, not {location!r}")
    return cast(SecretLocation, location)


def _info(name: str, entry: Mapping[str, str]) -> CredentialInfo:
    """Validate a stored entry and describe it."""
    checked = _entry(
        name,
        entry.get("base_url", DEFAULT_BASE_URL),
        entry.get("auth", "api-key"),
        entry.get("api_key_header", "X-API-Key"),
        entry.get("username"),
    )
    return CredentialInfo(
        name=name,
        base_url=checked["base_url"],
        auth=cast(AuthKind, checked["auth"]),
        api_key_header=checked.get("api_key_header"),
        username=checked.get("username"),
        secret_location=_location(name, entry),
    )


def environment_info(env: Mapping[str, str]) -> CredentialInfo | None:
    """The credential the CLIENTSUCCESS_* variables make, or None when they hold no secret."""
    settings = ConnectionSettings.from_env(env)
    if settings.api_key is None and (settings.username is None or settings.password is None):
        return None
    token = settings.uses_token
    return CredentialInfo(
        name=ENVIRONMENT,
        base_url=settings.base_url,
        auth="token" if token else "api-key",
        api_key_header=None if token else settings.api_key_header,
        username=settings.username if token else None,
        secret_location="environment",
    )
