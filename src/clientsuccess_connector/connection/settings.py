"""Connection settings: from CLIENTSUCCESS_* environment variables, overridable by a flow file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from typing import Any

from clientsuccess_connector.connection.redaction import looks_secret
from clientsuccess_connector.connection.urls import origin, origin_parts, parse_http_url
from clientsuccess_connector.errors import ConfigError

_OWN_CHECKS = frozenset(
    {"send_credentials_to", "secret_headers", "api_key_header", "secret_source"}
)
_TEXT_SETTINGS = frozenset({"base_url", "api_key", "username", "password", "auth_url"})
DEFAULT_BASE_URL = "https://api.clientsuccess.com/api/v1"
KEY_HEADERS = ("X-API-Key", "Authorization")
# The settings the environment gives, by the variable that gives each.
ENV_VARIABLES = {
    "base_url": "CLIENTSUCCESS_BASE_URL",
    "api_key": "CLIENTSUCCESS_API_KEY",
    "api_key_header": "CLIENTSUCCESS_API_KEY_HEADER",
    "username": "CLIENTSUCCESS_USERNAME",
    "password": "CLIENTSUCCESS_PASSWORD",
    "auth_url": "CLIENTSUCCESS_AUTH_URL",
}
ENV_KEY_SOURCE = "CLIENTSUCCESS_API_KEY"
ENV_LOGIN_SOURCE = "CLIENTSUCCESS_USERNAME and CLIENTSUCCESS_PASSWORD"


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
    send_credentials_to: tuple[str, ...] = ()
    secret_headers: tuple[str, ...] = ()
    max_response_mb: float = 256.0
    request_deadline: float = 300.0
    attempt_deadline: float = 60.0
    series_deadline: float = 6 * 3600.0
    secret_source: str | None = None
    """Where the key or password came from, for messages: "credential 'prod'",
    "CLIENTSUCCESS_API_KEY", "flow.yaml (connection: api_key)". Never the secret itself."""

    def __post_init__(self) -> None:
        _check_types(self)
        _check_base_url(self.base_url)
        if self.auth_url is not None:
            _check_base_url(self.auth_url, "auth_url", "set CLIENTSUCCESS_AUTH_URL")
        if self.api_key is not None:
            object.__setattr__(self, "api_key", _clean_api_key(self.api_key, self.secret_source))
        for name in ("username", "password"):
            if not isinstance(getattr(self, name), str | None):
                raise ConfigError(f'{name} must be text; quote it in the flow file ({name}: "...")')
        for name in ("send_credentials_to", "secret_headers"):
            object.__setattr__(self, name, _text_list(getattr(self, name), name))
        for url in self.send_credentials_to:
            _check_credential_origin(url, self.base_url)
        if self.max_response_mb <= 0:
            raise ConfigError("max_response_mb must be positive (megabytes per response)")
        if self.request_deadline <= 0:
            raise ConfigError("request_deadline must be positive (seconds per request)")
        if self.attempt_deadline <= 0:
            raise ConfigError("attempt_deadline must be positive (seconds per attempt)")
        if self.series_deadline <= 0:
            raise ConfigError("series_deadline must be positive (seconds per read of a source)")
        if self.max_concurrency < 1:
            raise ConfigError("max_concurrency must be at least 1")
        if self.requests_per_second is not None and self.requests_per_second <= 0:
            raise ConfigError("requests_per_second must be positive; leave it out for no limit")
        if self.max_attempts < 1:
            raise ConfigError("max_attempts must be at least 1")
        if self.api_key_header not in KEY_HEADERS:
            raise ConfigError(
                f"api_key_header (CLIENTSUCCESS_API_KEY_HEADER) must be one of "
                f"{', '.join(KEY_HEADERS)}, "
                f"not {self.api_key_header!r}"
            )

    @property
    def login_url(self) -> str:
        """The session-token login endpoint: `{origin}/v1/auth` unless overridden."""
        return self.auth_url or origin(self.base_url) + "/v1/auth"

    @property
    def max_response_bytes(self) -> int:
        """The most bytes one response may decompress to."""
        return int(self.max_response_mb * 1024 * 1024)

    @property
    def credential_origins(self) -> frozenset[tuple[str, str, int]]:
        """The origins the key or token may go to: the base URL's and those listed."""
        urls = (self.base_url, *self.send_credentials_to)
        return frozenset(origin_parts(url) for url in urls)

    @property
    def uses_token(self) -> bool:
        """True when a username/password login is configured instead of an API key."""
        return self.api_key is None and self.username is not None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret these settings hold, for masking."""
        headers = [v for k, v in self.headers.items() if looks_secret(k, self.secret_headers)]
        return tuple(s for s in (self.api_key, self.password, *headers) if s)

    @property
    def secret_named(self) -> str:
        """The secret as messages name it, with where it came from: "the API key from
        credential 'prod'"; with no source known, every place it may come from."""
        if self.secret_source is None:  # settings built by hand: name every place
            return "the API key or login (CLIENTSUCCESS_API_KEY / _USERNAME / _PASSWORD)"
        what = "the login" if self.uses_token else "the API key"
        return f"{what} from {self.secret_source}"

    def require_credentials(self) -> None:
        """Raise a ConfigError when neither an API key nor a login is configured."""
        if self.api_key is None and (self.username is None or self.password is None):
            raise ConfigError(
                "no ClientSuccess credentials: set CLIENTSUCCESS_API_KEY, or "
                "CLIENTSUCCESS_USERNAME and CLIENTSUCCESS_PASSWORD (or the flow file's "
                "`connection:`), or use a stored credential (`--credential NAME`, "
                "CLIENTSUCCESS_CREDENTIAL; see `credentials list`)"
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
            secret_source=_env_secret_source(env),
        )
        return base.with_overrides(**overrides)


def _env_secret_source(env: Mapping[str, str]) -> str | None:
    """Which variables hold the environment's secret, for messages (None: none does)."""
    if env.get("CLIENTSUCCESS_API_KEY"):
        return ENV_KEY_SOURCE
    if env.get("CLIENTSUCCESS_USERNAME") or env.get("CLIENTSUCCESS_PASSWORD"):
        return ENV_LOGIN_SOURCE
    return None


def _check_types(settings: ConnectionSettings) -> None:
    """Every setting of the right type (`"4"` becomes 4), or a ConfigError naming it."""
    given = {f.name: getattr(settings, f.name) for f in fields(settings)}
    for f in fields(settings):
        if given[f.name] is None and f.default is not None and f.default is not MISSING:
            raise ConfigError(f"{f.name} must not be empty; leave it out for {f.default!r}")
    # The list settings keep their own message (`_text_list`); the key's own check below.
    checked = {k: v for k, v in given.items() if v is not None and k not in _OWN_CHECKS}
    if all(_kept_as_is(f, checked[f.name]) for f in fields(settings) if f.name in checked):
        return  # the model would return every value unchanged: spare loading it
    # pydantic loads only for values it may convert or refuse (a flow's, a flag's)
    from clientsuccess_connector.config.connection_model import SettingsModel  # noqa: PLC0415
    from clientsuccess_connector.config.validation import validate  # noqa: PLC0415

    model = validate(SettingsModel, checked, "connection settings")
    for name in model.model_fields_set:
        value = getattr(model, name)
        if value != given[name] or type(value) is not type(given[name]):
            object.__setattr__(settings, name, value)


def _kept_as_is(setting: Field[Any], value: object) -> bool:
    """True when validation certainly returns `value` unchanged: text for a text setting,
    text headers, or the setting's own default (environment-only settings are all of these)."""
    if setting.name in _TEXT_SETTINGS:
        return type(value) is str
    if setting.name == "headers":
        return type(value) is dict and all(
            type(k) is str and type(v) is str for k, v in value.items()
        )
    return type(value) is type(setting.default) and value == setting.default


def _check_base_url(
    url: str,
    what: str = "base URL (base_url)",
    fix: str = "set CLIENTSUCCESS_BASE_URL or a flow's connection: base_url",
) -> None:
    parsed = parse_http_url(url, what, fix)
    if parsed.userinfo:
        raise ConfigError(
            f"{what} must not hold a user name or password "
            f"({parsed.scheme}://***@{parsed.host}/...); remove them and set "
            "CLIENTSUCCESS_API_KEY, or CLIENTSUCCESS_USERNAME and CLIENTSUCCESS_PASSWORD"
        )


def _clean_api_key(key: str, source: str | None) -> str:
    """The key without surrounding whitespace (a CRLF key file), or a ConfigError if unsendable."""
    if not isinstance(key, str):
        raise ConfigError('api_key must be text; quote it in the flow file (api_key: "...")')
    key = key.strip()
    if not (key.isascii() and key.isprintable()):
        raise ConfigError(
            f"api_key ({source or 'CLIENTSUCCESS_API_KEY'}) holds non-ASCII or control "
            "characters, which an HTTP header cannot carry; copy the key again from ClientSuccess"
        )
    return key


def _text_list(value: object, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(
        f'{name} must be a list of text values, for example ["https://files.example.com"]'
    )


def _check_credential_origin(url: str, base_url: str) -> None:
    fix = "list origins like https://host[:port] under connection: send_credentials_to"
    parsed = parse_http_url(url, "send_credentials_to entry", fix)
    if parsed.userinfo:
        raise ConfigError(
            f"send_credentials_to entry {origin(url)!r} must not hold a password; {fix}"
        )
    if parsed.scheme == "http" and base_url.startswith("https:"):
        raise ConfigError(
            f"send_credentials_to entry {origin(url)!r} is plain http while the base URL is "
            "https: credentials never go from https to http; use the https URL"
        )
