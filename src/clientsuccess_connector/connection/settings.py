"""Connection settings: from CLIENTSUCCESS_* environment variables, overridable by a flow file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.urls import origin

DEFAULT_BASE_URL = "https://api.clientsuccess.com/api/v1"
KEY_HEADERS = ("X-API-Key", "Authorization")


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Where the API is, how to authenticate, and how hard to push it."""

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    api_key_header: str = "X-API-Key"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    auth_url: str | None = None
    timeout: float = 30.0
    max_concurrency: int = 4
    requests_per_second: float | None = None
    max_attempts: int = 6
    max_retry_seconds: float = 120.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    verify_tls: bool = True
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        origin(self.base_url)  # raises ConfigError for a non-http URL
        if self.max_concurrency < 1:
            raise ConfigError("max_concurrency must be at least 1")
        if self.requests_per_second is not None and self.requests_per_second <= 0:
            raise ConfigError("requests_per_second must be positive; leave it out for no limit")
        if self.max_attempts < 1:
            raise ConfigError("max_attempts must be at least 1")
        if self.api_key_header not in KEY_HEADERS:
            raise ConfigError(
                f"CLIENTSUCCESS_API_KEY_HEADER must be one of {', '.join(KEY_HEADERS)}, "
                f"not {self.api_key_header!r}"
            )

    @property
    def login_url(self) -> str:
        """The session-token login endpoint: `{origin}/v1/auth` unless overridden."""
        return self.auth_url or origin(self.base_url) + "/v1/auth"

    @property
    def uses_token(self) -> bool:
        """True when a username/password login is configured instead of an API key."""
        return self.api_key is None and self.username is not None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret these settings hold, for masking."""
        return tuple(s for s in (self.api_key, self.password) if s)

    def require_credentials(self) -> None:
        """Raise a ConfigError when neither an API key nor a login is configured."""
        if self.api_key is None and (self.username is None or self.password is None):
            raise ConfigError(
                "no ClientSuccess credentials: set CLIENTSUCCESS_API_KEY, or "
                "CLIENTSUCCESS_USERNAME and CLIENTSUCCESS_PASSWORD (or the flow file `connection:`)"
            )

    def with_overrides(self, **overrides: Any) -> ConnectionSettings:
        """A copy with the given non-None fields replaced; unknown names are a ConfigError."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(
                f"unknown connection setting(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(known))}"
            )
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> ConnectionSettings:
        """Settings from CLIENTSUCCESS_* variables, then `overrides` (None values are ignored)."""
        env = os.environ if env is None else env
        base = cls(
            base_url=env.get("CLIENTSUCCESS_BASE_URL") or DEFAULT_BASE_URL,
            api_key=env.get("CLIENTSUCCESS_API_KEY") or None,
            api_key_header=env.get("CLIENTSUCCESS_API_KEY_HEADER") or "X-API-Key",
            username=env.get("CLIENTSUCCESS_USERNAME") or None,
            password=env.get("CLIENTSUCCESS_PASSWORD") or None,
            auth_url=env.get("CLIENTSUCCESS_AUTH_URL") or None,
        )
        return base.with_overrides(**overrides)
