"""The origin rule: a secret goes only to the origin it was given for.

- A stored credential's secret goes only to the origin it was stored with. A flow file, a
  variable or an option that points it anywhere else (its `base_url`, `auth_url` or
  `send_credentials_to`) is refused; the fix is another credential for that URL, or
  `credentials rebind NAME --base-url URL`, which asks first.
- A key or login from the `CLIENTSUCCESS_*` variables goes only to `CLIENTSUCCESS_BASE_URL`
  (or the default), unless the flow file names the variable itself
  (`api_key: ${CLIENTSUCCESS_API_KEY}`): then the flow has chosen where it goes.
- Never from `https` to plain `http`, even then (loopback excepted: it crosses no network).
"""

from __future__ import annotations

from dataclasses import dataclass

from clientsuccess_connector.connection.settings import ConnectionSettings
from clientsuccess_connector.connection.urls import origin, origin_parts
from clientsuccess_connector.errors import ConfigError

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@dataclass(frozen=True, slots=True)
class Binding:
    """A secret, as messages name it (`source`), bound to the origin it was given for."""

    source: str
    origin: str
    fix: str
    also: tuple[str, ...] = ()  # more URLs given with it (CLIENTSUCCESS_AUTH_URL)


def credential_binding(name: str, base_url: str, shown: str) -> Binding:
    """The binding of stored credential `name`, stored for `base_url`, as `shown` in messages."""
    return Binding(
        shown,
        origin(base_url),
        "store a credential for that URL (`clientsuccess-connector credentials add NAME "
        f"--base-url URL`), or re-bind this one (`clientsuccess-connector credentials rebind "
        f"{name} --base-url URL`)",
    )


def environment_binding(settings: ConnectionSettings) -> Binding | None:
    """The binding of the `CLIENTSUCCESS_*` secret in `settings` (from_env), if it holds one."""
    if settings.secret_source is None:
        return None
    variable = "api_key: ${CLIENTSUCCESS_API_KEY}"
    if settings.uses_token:
        variable = "password: ${CLIENTSUCCESS_PASSWORD}"
    return Binding(
        settings.secret_source,
        origin(settings.base_url),
        f"set CLIENTSUCCESS_BASE_URL to that URL, or name the variable in the flow's "
        f"connection: ({variable}) to send it there on purpose",
        (settings.auth_url,) if settings.auth_url else (),
    )


def check_binding(settings: ConnectionSettings, binding: Binding, pointed_by: str) -> None:
    """A ConfigError when `settings` would send the secret of `binding` to another origin."""
    bound = {origin_parts(url) for url in (binding.origin, *binding.also)}
    for what, url in _targets(settings):
        if origin_parts(url) not in bound:
            raise ConfigError(
                f"{pointed_by} points {binding.source}, given for {binding.origin}, at "
                f"{origin(url)} ({what}); a secret goes only to the origin it was given for: "
                f"{binding.fix}"
            )


def check_no_downgrade(settings: ConnectionSettings, binding: Binding, pointed_by: str) -> None:
    """A ConfigError when the secret of an `https` binding would go to a plain `http` URL
    (loopback excepted: nothing sent there crosses a network)."""
    if not binding.origin.startswith("https:"):
        return
    for what, url in _targets(settings):
        scheme, host, _ = origin_parts(url)
        if scheme == "http" and host not in _LOOPBACK:
            raise ConfigError(
                f"{pointed_by} sends {binding.source}, given for {binding.origin}, to plain "
                f"http ({origin(url)}, {what}); secrets never go from https to http: use the "
                "https URL"
            )


def _targets(settings: ConnectionSettings) -> list[tuple[str, str]]:
    """Every URL the secret of `settings` may be sent to, with the setting that names it."""
    targets = [("base_url", settings.base_url)]
    if settings.uses_token:
        targets.append(("auth_url", settings.login_url))
    targets += [("send_credentials_to", url) for url in settings.send_credentials_to]
    return targets
