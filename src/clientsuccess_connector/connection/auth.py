"""Credentials on the wire: an API key header, or a session token from POST /v1/auth."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import orjson

from clientsuccess_connector.connection.redaction import Redactor
from clientsuccess_connector.connection.settings import ConnectionSettings
from clientsuccess_connector.errors import AuthError

RENEW_MARGIN = 0.1  # renew when less than 10% of the token's lifetime is left


@dataclass(slots=True)
class _Token:
    value: str
    expires_at: float


class SessionToken:
    """Logs in once, reuses the token, renews it before it expires and after a 401."""

    def __init__(
        self,
        settings: ConnectionSettings,
        redactor: Redactor,
        login: Callable[[], httpx.Response],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._redactor = redactor
        self._login = login
        self._clock = clock
        self._lock = threading.Lock()
        self._token: _Token | None = None
        self.logins = 0

    def current(self) -> str:
        """A valid token, logging in when there is none or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._token.expires_at:
                self._token = self._fetch()
            return self._token.value

    def invalidate(self, token: str) -> None:
        """Forget `token` after the API refused it (unless another thread already renewed it)."""
        with self._lock:
            if self._token is not None and self._token.value == token:
                self._token = None

    def _fetch(self) -> _Token:
        response = self._login()
        self.logins += 1
        if response.status_code in (401, 403):
            raise AuthError(
                f"login refused ({response.status_code}) at {self._settings.login_url}: "
                "check CLIENTSUCCESS_USERNAME and CLIENTSUCCESS_PASSWORD",
                status=response.status_code,
                url=self._settings.login_url,
            )
        if response.status_code >= 400:
            raise AuthError(
                f"login failed with HTTP {response.status_code} at {self._settings.login_url}",
                status=response.status_code,
                url=self._settings.login_url,
                body_excerpt=self._redactor.mask(response.text[:200]),
            )
        try:
            body = orjson.loads(response.content)
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 43200)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise AuthError(
                f"login at {self._settings.login_url} answered without an access_token",
                status=response.status_code,
                url=self._settings.login_url,
            ) from exc
        self._redactor.add(token)
        return _Token(token, self._clock() + lifetime * (1 - RENEW_MARGIN))


def login_form(settings: ConnectionSettings) -> dict[str, str]:
    """The form-encoded login body (the documented, widest-supported form)."""
    return {"username": settings.username or "", "password": settings.password or ""}
