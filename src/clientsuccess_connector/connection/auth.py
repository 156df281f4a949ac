"""Credentials on the wire, as an httpx auth flow: an API key header, or a session token.

The key or token goes only to the origins the settings allow (`credential_origins`): a URL
on any other scheme, host or port is sent bare. A session token comes from POST /v1/auth, is
renewed before it expires, and is renewed once more for each token the API refuses with 401.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass

import httpx
import orjson

from clientsuccess_connector.connection.redaction import MASK, MaskingLogger, Redactor, looks_secret
from clientsuccess_connector.connection.retry import retry_after_seconds
from clientsuccess_connector.connection.settings import ConnectionSettings
from clientsuccess_connector.connection.urls import origin_parts
from clientsuccess_connector.errors import AuthError

RENEW_MARGIN = 0.1  # renew when less than 10% of the token's lifetime is left
_MAX_RELOGINS = 6  # per request: a 401 for a token not refused before renews it
_LOGIN_EXCERPT = 200
_log = logging.getLogger(__name__)


class LoginUnavailable(Exception):
    """The login did not complete for a reason that may pass (network, 429, 5xx, a cut body).

    The request that needed the token was not sent, so it may be retried whatever its method.
    """

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


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
        self._log = MaskingLogger(_log, redactor)
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
                self._log.info("the API refused the session token; logging in again")
                self._token = None

    def _fetch(self) -> _Token:
        url = self._settings.login_url
        self._log.debug("logging in at %s", url)
        response = self._login()
        self.logins += 1
        status = response.status_code
        if status in (401, 403):
            raise AuthError(
                f"login refused ({status}) at {url}: "
                "check CLIENTSUCCESS_USERNAME and CLIENTSUCCESS_PASSWORD",
                status=status,
                url=url,
            )
        if status == 429 or status >= 500:
            raise LoginUnavailable(f"login answered HTTP {status}", retry_after_seconds(response))
        if status >= 400:
            raise AuthError(
                f"login failed with HTTP {status} at {url}",
                status=status,
                url=url,
                body_excerpt=self._redactor.excerpt(response.text, _LOGIN_EXCERPT),
            )
        token, lifetime = self._read_token(response, url)
        self._redactor.add(token)
        kind = "logged in" if self.logins == 1 else "renewed the session token"
        self._log.info("%s at %s; the token is valid for %.0f s", kind, url, lifetime)
        return _Token(token, self._clock() + lifetime * (1 - RENEW_MARGIN))

    @staticmethod
    def _read_token(response: httpx.Response, url: str) -> tuple[str, float]:
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise LoginUnavailable("the login answer is not complete JSON") from None
        try:
            return str(body["access_token"]), float(body.get("expires_in") or 43200)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise AuthError(
                f"login at {url} answered without an access_token",
                status=response.status_code,
                url=url,
            ) from exc


class Credentials:
    """What a connection authenticates with, and the only origins it may be sent to."""

    def __init__(self, settings: ConnectionSettings, token: SessionToken | None) -> None:
        self._settings = settings
        self.token = token
        self._origins = settings.credential_origins
        self._secret_headers = {
            name: value
            for name, value in settings.headers.items()
            if looks_secret(name, settings.secret_headers)
        }

    def allowed(self, url: httpx.URL) -> bool:
        """True when `url` is on an origin the credentials belong to (scheme, host and port)."""
        return origin_parts(url) in self._origins

    def static_headers(self) -> dict[str, str]:
        """The credential headers that do not need a login: the API key, secret settings headers."""
        headers = dict(self._secret_headers)
        if self.token is None and self._settings.api_key:
            headers[self._settings.api_key_header] = self._settings.api_key
        return headers

    def display_headers(self, url: httpx.URL) -> dict[str, str]:
        """The credential headers a request to `url` would carry, masked."""
        if not self.allowed(url):
            return {}
        names = list(self.static_headers())
        if self.token is not None:
            names.append("Authorization")
        return dict.fromkeys(names, MASK)

    def for_request(self, discard: Callable[[httpx.Response], None]) -> RequestAuth:
        """The auth flow of one logical request (its refused tokens count across its attempts).

        `discard` reads and drops a refused response's body within the connection's limits.
        """
        return RequestAuth(self, discard)


class RequestAuth(httpx.Auth):
    """Adds the credentials to a request bound for an allowed origin; re-logs in on 401."""

    def __init__(self, credentials: Credentials, discard: Callable[[httpx.Response], None]) -> None:
        self._credentials = credentials
        self._discard = discard
        self._refused: set[str] = set()  # session tokens the API refused during this request

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """httpx calls this for each send: `response = yield request`, again after a re-login."""
        credentials = self._credentials
        if not credentials.allowed(request.url):
            yield request
            return
        request.headers.update(credentials.static_headers())
        session = credentials.token
        if session is None:
            yield request
            return
        token = session.current()
        request.headers["Authorization"] = token
        response = yield request
        while self._may_renew(response, token):
            # Each token gets one chance: another request may have had the renewed token
            # revoked in the meantime, which is no reason to fail this one.
            self._refused.add(token)
            session.invalidate(token)
            self._discard(response)
            token = session.current()
            request.headers["Authorization"] = token
            response = yield request

    def _may_renew(self, response: httpx.Response, token: str) -> bool:
        return (
            response.status_code == 401
            and token not in self._refused
            and len(self._refused) < _MAX_RELOGINS
        )


def login_form(settings: ConnectionSettings) -> dict[str, str]:
    """The form-encoded login body (the documented, widest-supported form)."""
    return {"username": settings.username or "", "password": settings.password or ""}
