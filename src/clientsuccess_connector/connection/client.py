"""The one I/O seam: every ClientSuccess call goes through `Connection.request`."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import httpx
import orjson

from clientsuccess_connector.connection.auth import SessionToken, login_form
from clientsuccess_connector.connection.limiter import Limiter
from clientsuccess_connector.connection.redaction import MASK, Redactor
from clientsuccess_connector.connection.retry import (
    IDEMPOTENT_METHODS,
    MAYBE_SENT_ERRORS,
    NOT_SENT_ERRORS,
    backoff_delay,
    retry_after_seconds,
    status_is_retriable,
)
from clientsuccess_connector.connection.settings import ConnectionSettings
from clientsuccess_connector.connection.stats import ConnectionStats
from clientsuccess_connector.errors import (
    ApiError,
    AuthError,
    ConfigError,
    DataError,
    TransportError,
)
from clientsuccess_connector.urls import join_url

QueryParams = Mapping[str, Any]
Validator = Callable[[httpx.Response], Any]
_AUTH_HEADERS = ("authorization", "x-api-key")
_BODY_EXCERPT = 300
_MAX_RELOGINS = 6  # per request: a 401 for a token not refused before renews it


class Connection:
    """An authenticated, rate-limited, retrying HTTP client for one ClientSuccess account.

    Thread-safe: many threads may call `request` at once; the limiter bounds them.
    `transport` is the seam for tests (e.g. `httpx.MockTransport`); by default real HTTP.
    `on_request` receives a masked description of every request as sent (`--show-request`).
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        on_request: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
    ) -> None:
        self.settings = settings
        self.stats = ConnectionStats()
        self._redactor = Redactor(settings.secrets)
        self._sleep = sleep
        self._clock = clock
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._on_request = on_request
        self._limiter = Limiter(
            settings.max_concurrency, settings.requests_per_second, clock=clock, sleep=sleep
        )
        pool = max(10, settings.max_concurrency * 2)
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
            verify=settings.verify_tls,
            headers={"Accept": "application/json", "User-Agent": "clientsuccess-connector"},
            follow_redirects=False,
        )
        self._token: SessionToken | None = None
        if settings.uses_token:
            self._token = SessionToken(settings, self._redactor, self._login, clock)

    # -- public API ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        raise_for_status: bool = True,
        idempotent: bool | None = None,
        validate: Validator | None = None,
        stats: ConnectionStats | None = None,
    ) -> httpx.Response:
        """Send one logical request, retrying what is safe to retry, and return the response.

        `url` is absolute or relative to the base URL. `idempotent` defaults by method (POST is
        not): a non-idempotent request is retried only when the server cannot have acted on it
        (connection refused, 429, 503). `validate(response)` may raise DataError for a body that
        is not what was promised (truncated JSON, an HTML page); idempotent requests retry that.
        With `raise_for_status=False` an error response is returned instead of raised.
        `stats` also counts this request's attempts and retries (e.g. per stream).
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        request = self._build(method, url, params, json, content, headers)
        return self._send_with_retries(
            request, idempotent, raise_for_status, validate, extra_stats=stats
        )

    def request_json(
        self,
        method: str,
        url: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> tuple[httpx.Response, Any]:
        """`request`, then the body parsed as JSON (a truncated body is retried when safe)."""
        parsed: list[Any] = []

        def parse(response: httpx.Response) -> None:
            parsed.clear()
            parsed.append(self.parse_json(response))

        response = self.request(
            method, url, params=params, json=json, headers=headers,
            idempotent=idempotent, validate=parse,
        )  # fmt: skip
        return response, parsed[0]

    def parse_json(self, response: httpx.Response) -> Any:
        """The response body as JSON, or a DataError that names the URL and shows an excerpt."""
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            excerpt = self.mask(response.text[:120]).replace("\n", " ")
            raise DataError(
                f"response from {self.mask(str(response.request.url))} is not valid JSON "
                f"({exc.msg} at byte {exc.pos}); it starts with: {excerpt!r}"
            ) from exc

    def url_for(self, url: str) -> str:
        """The absolute URL of a path relative to the base URL."""
        return join_url(self.settings.base_url, url)

    def mask(self, text: str) -> str:
        """`text` with every secret of this connection replaced by `***`."""
        return self._redactor.mask(text)

    def describe_request(
        self,
        method: str,
        url: str,
        params: QueryParams | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> str:
        """A masked, human-readable rendering of a request, without sending it."""
        request = self._build(method.upper(), url, params, json, None, headers)
        request.headers.update(self._credential_headers_for_display())
        return self._describe(request)

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------

    def _build(
        self,
        method: str,
        url: str,
        params: QueryParams | None,
        json: Any,
        content: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Request:
        merged = dict(self.settings.headers)
        if headers:
            merged.update(headers)
        for name, value in merged.items():
            if not (value.isascii() and value.isprintable() and name.isascii()):
                raise ConfigError(  # httpx would raise UnicodeEncodeError: no traceback
                    f"header {name} is not one line of printable ASCII text ({value[:40]!r}); "
                    "HTTP header values cannot carry line breaks or non-ASCII characters"
                )
        body = content
        if json is not None:
            body = orjson.dumps(json)
            merged.setdefault("Content-Type", "application/json")
        clean_params = None
        if params:
            clean_params = {
                k: _param_text(v) for k, v in params.items() if v is not None and v != ""
            }
        return self._client.build_request(
            method, self.url_for(url), params=clean_params, content=body, headers=merged
        )

    def _credential_headers(self) -> tuple[dict[str, str], str | None]:
        if self._token is not None:
            token = self._token.current()
            return {"Authorization": token}, token
        if self.settings.api_key:
            return {self.settings.api_key_header: self.settings.api_key}, None
        return {}, None

    def _credential_headers_for_display(self) -> dict[str, str]:
        if self._token is not None:
            return {"Authorization": MASK}
        if self.settings.api_key:
            return {self.settings.api_key_header: MASK}
        return {}

    def _login(self) -> httpx.Response:
        request = self._client.build_request(
            "POST", self.settings.login_url, data=login_form(self.settings)
        )
        return self._send_with_retries(
            request,
            idempotent=True,
            raise_for_status=False,
            validate=_complete_json,  # a truncated answer is retried like any other read
            authenticate=False,
        )

    def _send_with_retries(
        self,
        request: httpx.Request,
        idempotent: bool,
        raise_for_status: bool,
        validate: Validator | None,
        *,
        authenticate: bool = True,
        extra_stats: ConnectionStats | None = None,
    ) -> httpx.Response:
        started = self._clock()
        attempt = 0
        refused: set[str] = set()  # session tokens the API refused during this request
        while True:
            attempt += 1
            token = None
            if authenticate:
                creds, token = self._credential_headers()
                request.headers.update(creds)
            wait: float | None = None
            final_response: httpx.Response | None = None
            if extra_stats is not None:
                extra_stats.record(None, 0)
            try:
                response = self._send_once(request)
            except NOT_SENT_ERRORS as exc:
                failure: Exception = exc
                reason = f"could not connect ({type(exc).__name__})"
            except MAYBE_SENT_ERRORS as exc:
                if not idempotent:
                    raise TransportError(
                        f"{request.method} {self._safe_url(request)} failed after it was sent "
                        f"({type(exc).__name__}); outcome unknown, not retried because it is "
                        "not idempotent",
                        maybe_sent=True,
                    ) from exc
                failure, reason = exc, f"connection failed ({type(exc).__name__})"
            except httpx.HTTPError as exc:
                raise TransportError(
                    f"{request.method} {self._safe_url(request)} failed: {self.mask(str(exc))}"
                ) from exc
            else:
                status = response.status_code
                if (
                    status == 401
                    and token is not None
                    and self._token
                    and token not in refused
                    and len(refused) < _MAX_RELOGINS
                ):
                    # Each token gets one chance: another request may have had the renewed
                    # token revoked in the meantime, which is no reason to fail this one.
                    self._token.invalidate(token)
                    refused.add(token)
                    attempt -= 1  # a re-login is not a failed attempt
                    continue
                if status < 400:
                    if validate is None:
                        return response
                    try:
                        validate(response)
                        return response
                    except DataError as exc:
                        if not idempotent:
                            raise
                        failure, reason = exc, "malformed body"
                elif status_is_retriable(status, idempotent):
                    failure = self._api_error(request, response)
                    reason = f"HTTP {status}"
                    wait = retry_after_seconds(response)
                    if status == 429:
                        self._limiter.pause_for(
                            wait if wait is not None else self._backoff(attempt)
                        )
                    if not raise_for_status:
                        final_response = response
                elif raise_for_status:
                    raise self._api_error(request, response)
                else:
                    return response
            delay = wait if wait is not None else self._backoff(attempt)
            elapsed = self._clock() - started
            if attempt >= self.settings.max_attempts or (
                elapsed + delay > self.settings.max_retry_seconds
            ):
                if final_response is not None:
                    return final_response
                raise self._give_up(request, failure, reason, attempt)
            self.stats.record_retry()
            if extra_stats is not None:
                extra_stats.record_retry()
            self._sleep(delay)

    def _send_once(self, request: httpx.Request) -> httpx.Response:
        with self._limiter.slot():
            if self._on_request is not None:
                self._on_request(self._describe(request))
            try:
                response = self._client.send(request)
            except httpx.HTTPError:
                self.stats.record(None, 0)
                raise
        self.stats.record(response.status_code, len(response.content))
        return response

    def _backoff(self, attempt: int) -> float:
        with self._rng_lock:
            return backoff_delay(
                attempt, self.settings.backoff_base, self.settings.backoff_cap, self._rng
            )

    def _safe_url(self, request: httpx.Request) -> str:
        return self.mask(str(request.url))

    def _api_error(self, request: httpx.Request, response: httpx.Response) -> ApiError:
        excerpt = self.mask(response.text[:_BODY_EXCERPT]).replace("\n", " ").strip()
        url = self._safe_url(request)
        status = response.status_code
        kind = AuthError if status in (401, 403) else ApiError
        hint = ""
        if status in (401, 403):
            hint = "; check the API key or login (CLIENTSUCCESS_API_KEY / _USERNAME / _PASSWORD)"
        return kind(
            f"{request.method} {url} answered HTTP {status}{hint}: {excerpt}",
            status=status,
            url=url,
            body_excerpt=excerpt,
        )

    def _give_up(
        self, request: httpx.Request, failure: Exception, reason: str, attempts: int
    ) -> Exception:
        if isinstance(failure, ApiError | DataError):
            return failure
        return TransportError(
            f"{request.method} {self._safe_url(request)}: {reason}; gave up after "
            f"{attempts} attempt(s)"
        )

    def _describe(self, request: httpx.Request) -> str:
        lines = [f"{request.method} {request.url}"]
        for raw_name, raw_value in request.headers.raw:
            name = raw_name.decode("latin-1")
            shown = MASK if name.lower() in _AUTH_HEADERS else raw_value.decode("latin-1")
            lines.append(f"{name}: {shown}")
        body = request.content
        if body:
            lines.append("")
            lines.append(body.decode("utf-8", errors="replace"))
        return self.mask("\n".join(lines))


def _complete_json(response: httpx.Response) -> None:
    """Raise DataError (no excerpt: it may hold a token) when a body is not complete JSON."""
    try:
        orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise DataError(f"the answer from {response.request.url} is not complete JSON") from None


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
