"""The one I/O seam: every ClientSuccess call goes through `Connection.request`."""

from __future__ import annotations

import hashlib
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx
import orjson

from clientsuccess_connector.connection.auth import (
    _MAX_RELOGINS,
    Credentials,
    LoginUnavailable,
    RequestAuth,
    SessionToken,
    login_form,
)
from clientsuccess_connector.connection.body import read_within_limits
from clientsuccess_connector.connection.deadline import (
    DeadlineExceeded,
    SeriesDeadline,
    bind_to_deadlines,
    deadline_scope,
)
from clientsuccess_connector.connection.limiter import Limiter
from clientsuccess_connector.connection.redaction import MASK, MaskingLogger, Redactor, looks_secret
from clientsuccess_connector.connection.retry import (
    IDEMPOTENT_METHODS,
    MAYBE_SENT_ERRORS,
    NOT_ACTED_STATUSES,
    NOT_SENT_ERRORS,
    Retry,
    RetryPolicy,
    bounded_wait,
    retry_after_seconds,
    retry_loop,
    status_is_retriable,
)
from clientsuccess_connector.connection.settings import ConnectionSettings
from clientsuccess_connector.connection.stats import ConnectionStats
from clientsuccess_connector.connection.urls import join_url, parse_http_url, without_userinfo
from clientsuccess_connector.errors import (
    ApiError,
    AuthError,
    ConfigError,
    DataError,
    TransportError,
)

__all__ = ["_MAX_RELOGINS", "Connection"]

QueryParams = Mapping[str, Any]
Validator = Callable[[httpx.Response], Any]
_BODY_EXCERPT = 300
_log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Call:
    """One logical request across its attempts."""

    request: httpx.Request
    idempotent: bool
    raise_for_status: bool
    validate: Validator | None
    auth: RequestAuth
    deadline: float
    extra_stats: ConnectionStats | None
    series: SeriesDeadline | None = None  # when the series' deadline comes before the request's
    attempt_at: float = 0.0  # when the attempt under way must end (`attempt_deadline`)
    bad_bodies: set[bytes] = field(default_factory=set)  # digests of bodies that did not parse
    not_acted: frozenset[int] = NOT_ACTED_STATUSES  # statuses proving a write was not acted on


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
        self._log = MaskingLogger(_log, self._redactor)
        self._sleep = sleep
        self._clock = clock
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._on_request = on_request
        self.on_timing: Callable[[httpx.Request, int | None, float], None] | None = None
        """Told (request, status or None, seconds) after each attempt: the Singer tap's
        `http_request_duration` metric."""
        self._limiter = Limiter(
            settings.max_concurrency, settings.requests_per_second, clock=clock, sleep=sleep
        )
        pool = max(10, settings.max_concurrency * 2)
        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        if transport is None:
            transport = httpx.HTTPTransport(verify=settings.verify_tls, limits=limits)
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
            limits=limits,
            verify=settings.verify_tls,
            headers={"Accept": "application/json", "User-Agent": "clientsuccess-connector"},
            follow_redirects=False,
            event_hooks={"request": [self._on_send], "response": [self._on_answer]},
        )
        for mounted in (transport, *getattr(self._client, "_mounts", {}).values()):
            if mounted is not None:  # proxies from the environment get transports of their own
                bind_to_deadlines(mounted)
        self._token: SessionToken | None = None
        if settings.uses_token:
            self._token = SessionToken(settings, self._redactor, self._login, clock)
        self._credentials = Credentials(settings, self._token)
        self._policy = RetryPolicy(
            max_attempts=settings.max_attempts,
            max_seconds=min(settings.max_retry_seconds, settings.request_deadline),
            backoff_base=settings.backoff_base,
            backoff_cap=settings.backoff_cap,
        )

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
        series: SeriesDeadline | None = None,
        not_acted: frozenset[int] | None = None,
    ) -> httpx.Response:
        """Send one logical request, retrying what is safe to retry, and return the response.

        `url` is absolute or relative to the base URL. `idempotent` defaults by method (POST is
        not): a non-idempotent request is retried only when the server cannot have acted on it
        (connection refused, 429, 503). `validate(response)` may raise DataError for a body that
        is not what was promised (truncated JSON, an HTML page); idempotent requests retry that.
        With `raise_for_status=False` an error response is returned instead of raised.
        `stats` also counts this request's attempts and retries (e.g. per stream). `series`
        (from `series_deadline`) ends the request early when its whole series must end first.
        `not_acted` replaces the statuses (429, 503) that prove a non-idempotent request was
        refused before the server acted, so that it may be sent again.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        request = self._build(method, url, params, json, content, headers)
        deadline = self._clock() + self.settings.request_deadline
        if series is not None and series.at < deadline:
            deadline = series.at
        else:
            series = None
        call = _Call(
            request,
            idempotent,
            raise_for_status,
            validate,
            self._credentials.for_request(self._discard),
            deadline,
            stats,
            series,
        )
        if not_acted is not None:
            call.not_acted = not_acted
        return retry_loop(
            lambda number: self._attempt(call, number),
            self._policy,
            backoff=self._backoff,
            give_up=lambda retry, attempts: self._give_up(call.request, retry, attempts),
            on_retry=lambda retry, number, delay: self._on_retry(call, retry, number, delay),
            clock=self._clock,
            sleep=self._sleep,
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
            excerpt = self._redactor.excerpt(response.text, 120)
            raise DataError(
                f"response from {self.mask(str(response.request.url))} is not valid JSON "
                f"({exc.msg} at byte {exc.pos}); it starts with: {excerpt!r}"
            ) from exc

    def series_deadline(self, subject: str) -> SeriesDeadline:
        """The deadline of a series of requests starting now (`series_deadline` seconds), for
        `request(series=...)`; `subject` names the series in the error, e.g. "source 'pulses'"."""
        seconds = self.settings.series_deadline
        return SeriesDeadline(self._clock() + seconds, seconds, subject)

    def url_for(self, url: str) -> str:
        """The absolute URL of a path relative to the base URL."""
        return join_url(self.settings.base_url, url)

    def mask(self, text: str) -> str:
        """`text` with every secret of this connection replaced by `***`."""
        return self._redactor.mask(text)

    def excerpt(self, text: str, limit: int) -> str:
        """At most `limit` characters of `text` on one line, masked before it is cut."""
        return self._redactor.excerpt(text, limit)

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
        request.headers.update(self._credentials.display_headers(request.url))
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

    # -- building and describing requests ---------------------------------------------------

    def _build(
        self,
        method: str,
        url: str,
        params: QueryParams | None,
        json: Any,
        content: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Request:
        merged = {
            name: value
            for name, value in self.settings.headers.items()
            if not looks_secret(name, self.settings.secret_headers)  # added by the auth flow
        }
        for name, value in (headers or {}).items():
            if looks_secret(name, self.settings.secret_headers):
                self._redactor.add(value)
            merged[name] = value
        for name, value in merged.items():
            if not (value.isascii() and value.isprintable() and name.isascii()):
                raise ConfigError(  # httpx would raise UnicodeEncodeError: no traceback
                    f"header {name} is not one line of printable ASCII text "
                    f"({self._redactor.excerpt(repr(value), 40)}); "
                    "HTTP header values cannot carry line breaks or non-ASCII characters"
                )
        body = content
        if json is not None:
            body = orjson.dumps(json)
            merged.setdefault("Content-Type", "application/json")
        clean_params = {
            k: _param_text(v) for k, v in (params or {}).items() if v is not None and v != ""
        }
        target = self.url_for(url)
        try:
            parse_http_url(target, "URL", "check the source's url (or --url)")
            # Parameters are added to a query the URL already has, never in place of it (httpx
            # would replace it): what a caller put in the URL goes out with every request.
            full = httpx.URL(target).copy_merge_params(clean_params) if clean_params else target
            request = self._client.build_request(method, full, content=body, headers=merged)
        except httpx.InvalidURL as exc:
            raise ConfigError(
                f"URL {self.mask(without_userinfo(target))!r} is not valid ({exc}); check the "
                "source's url (or --url)"
            ) from None
        if request.url.userinfo:  # httpx would send it as Basic auth, to whatever host it names
            raise ConfigError(
                f"the URL {self._safe_url(request)} holds a user name or password; remove it "
                "(credentials come from the connection settings only)"
            )
        return request

    def _describe(self, request: httpx.Request) -> str:
        lines = [f"{request.method} {request.url}"]
        for raw_name, raw_value in request.headers.raw:
            name = raw_name.decode("latin-1")
            secret = looks_secret(name, self.settings.secret_headers)
            lines.append(f"{name}: {MASK if secret else raw_value.decode('latin-1')}")
        body = request.content
        if body:
            lines.append("")
            lines.append(body.decode("utf-8", errors="replace"))
        return self.mask("\n".join(lines))

    def _safe_url(self, request: httpx.Request) -> str:
        return self.mask(str(request.url))

    # -- event hooks: every request as sent, every answer --------------------------------------

    def _on_send(self, request: httpx.Request) -> None:
        if self._on_request is not None:
            self._on_request(self._describe(request))

    def _on_answer(self, response: httpx.Response) -> None:
        self.stats.record(response.status_code, 0)

    # -- one attempt ------------------------------------------------------------------------

    def _attempt(self, call: _Call, number: int) -> httpx.Response | Retry:
        """Send once and judge the answer: a response to return, a Retry, or an error raised."""
        if call.extra_stats is not None:
            call.extra_stats.record(None, 0)
        try:
            response = self._send_once(call)
        except LoginUnavailable as exc:
            return Retry(exc, exc.reason, exc.wait)
        except NOT_SENT_ERRORS as exc:
            unresolved = host_not_found(exc)
            if unresolved is not None:
                host = call.request.url.host
                raise TransportError(
                    f"host not found: {host!r} does not resolve ({unresolved}); check the host "
                    "of the base URL (CLIENTSUCCESS_BASE_URL, the flow's connection.base_url or "
                    "the credential's)"
                ) from exc
            return Retry(exc, f"could not connect ({type(exc).__name__})")
        except MAYBE_SENT_ERRORS as exc:
            if not call.idempotent:
                raise self._outcome_unknown(call.request, type(exc).__name__) from exc
            return Retry(exc, f"connection failed ({type(exc).__name__})")
        except httpx.HTTPError as exc:
            raise TransportError(
                f"{call.request.method} {self._safe_url(call.request)} failed: "
                f"{self.mask(str(exc))}",
                maybe_sent=isinstance(exc, httpx.DecodingError),  # the answer had begun
            ) from exc
        if response.status_code < 400:
            return self._check_body(call, response)
        return self._judge_error_status(call, response, number)

    def _send_once(self, call: _Call) -> httpx.Response:
        """One send inside a limiter slot, its body read within the size and time limits."""
        if call.deadline - self._clock() <= 0:
            raise self._deadline_passed(call, sent=False)
        call.attempt_at = call.deadline  # the limiter's wait counts against the request only
        with ExitStack() as slot:
            try:
                slot.enter_context(self._limiter.slot(call.deadline))
            except DeadlineExceeded:
                raise self._deadline_passed(call, sent=False) from None
            call.attempt_at = min(call.deadline, self._clock() + self.settings.attempt_deadline)
            timeout = max(0.001, min(self.settings.timeout, call.attempt_at - self._clock()))
            call.request.extensions["timeout"] = httpx.Timeout(
                timeout, connect=min(10.0, timeout)
            ).as_dict()
            with deadline_scope(call.attempt_at, self._clock):
                started = self._clock()
                try:
                    response = self._client.send(call.request, auth=call.auth, stream=True)
                    self._read_body(response, call.attempt_at)
                except httpx.HTTPError:
                    self.stats.record(None, 0)
                    self._timed(call.request, None, started)
                    raise
                except DeadlineExceeded:
                    self._timed(call.request, None, started)
                    raise self._deadline_passed(call, sent=True) from None
        self._timed(call.request, response.status_code, started)
        return response

    def _timed(self, request: httpx.Request, status: int | None, started: float) -> None:
        if self.on_timing is not None:
            self.on_timing(request, status, self._clock() - started)

    def _read_body(self, response: httpx.Response, deadline: float) -> None:
        received = read_within_limits(
            response,
            max_bytes=self.settings.max_response_bytes,
            deadline=deadline,
            clock=self._clock,
            shown_url=lambda: self._safe_url(response.request),
        )
        self.stats.record_bytes(received)

    def _discard(self, response: httpx.Response) -> None:
        """Read a refused (401) answer within the limits so httpx can move on."""
        self._read_body(response, self._clock() + self.settings.timeout)

    def _check_body(self, call: _Call, response: httpx.Response) -> httpx.Response | Retry:
        """The response, or a Retry when `validate` refuses a body that may come right next time."""
        if call.validate is None:
            return response
        try:
            call.validate(response)
        except DataError as exc:
            if not call.idempotent:
                raise  # a POST may have acted
            if not _cut_short(response.content):
                digest = hashlib.sha256(response.content).digest()
                if digest in call.bad_bodies:
                    raise  # the same complete, bad body twice: it will not change
                call.bad_bodies.add(digest)
            return Retry(exc, "malformed body")
        return response

    def _judge_error_status(
        self, call: _Call, response: httpx.Response, number: int
    ) -> httpx.Response | Retry:
        status = response.status_code
        if not status_is_retriable(status, call.idempotent, call.not_acted):
            if call.raise_for_status:
                raise self._api_error(call.request, response)
            return response
        asked = retry_after_seconds(response)
        wait = None
        if asked is not None:
            wait = bounded_wait(asked, self.settings.backoff_base, self._policy.max_seconds)
            if wait is None:  # beyond the bound: this request fails now, nothing pauses
                if call.raise_for_status:
                    raise self._api_error(call.request, response, asked=asked)
                return response
        if status == 429:
            pause = wait if wait is not None else self._backoff(number)
            self._log.warning("HTTP 429 from %s: pausing every request for %.1f s",
                              self._safe_url(call.request), pause)  # fmt: skip
            self._limiter.pause_for(pause)
        return Retry(
            self._api_error(call.request, response),
            f"HTTP {status}",
            wait,
            fallback=None if call.raise_for_status else response,
        )

    # -- between attempts and at the end ----------------------------------------------------

    def _on_retry(self, call: _Call, retry: Retry, number: int, delay: float) -> None:
        self.stats.record_retry()
        if call.extra_stats is not None:
            call.extra_stats.record_retry()
        url = self._safe_url(call.request)
        status = retry.failure.status if isinstance(retry.failure, ApiError) else None
        stream = call.extra_stats.label if call.extra_stats is not None else None
        fields = {"action": "retry", "status": status, "attempt": number + 1,
                  "max_attempts": self.settings.max_attempts, "wait": round(delay, 3),
                  "url": url, "method": call.request.method, "reason": retry.reason,
                  "stream": stream or None}  # fmt: skip
        self._log.warning(
            "%s %s: %s; retrying in %.1f s (attempt %d of %d)",
            call.request.method, url, retry.reason, delay,
            number + 1, self.settings.max_attempts, extra={"fields": fields},
        )  # fmt: skip

    def _backoff(self, attempt: int) -> float:
        with self._rng_lock:
            return self._policy.backoff(attempt, self._rng)

    def _login(self) -> httpx.Response:
        """POST the login form (inside the slot of the request that needs the token)."""
        url = self.settings.login_url
        request = self._client.build_request("POST", url, data=login_form(self.settings))
        deadline = self._clock() + self.settings.timeout
        try:
            with deadline_scope(deadline, self._clock):
                response = self._client.send(request, stream=True)
                self._read_body(response, deadline)
        except (httpx.HTTPError, DeadlineExceeded) as exc:
            raise LoginUnavailable(f"login at {url} failed ({type(exc).__name__})") from None
        return response

    def _api_error(
        self, request: httpx.Request, response: httpx.Response, *, asked: float | None = None
    ) -> ApiError:
        excerpt = self._redactor.excerpt(response.text, _BODY_EXCERPT)
        url = self._safe_url(request)
        status = response.status_code
        kind = AuthError if status in (401, 403) else ApiError
        hint = ""
        if status in (401, 403):
            hint = f"; check {self.settings.secret_named}"
        if asked is not None:
            hint = (
                f"; it asked to wait {asked:.0f} s (Retry-After), more than max_retry_seconds "
                f"({self._policy.max_seconds:g} s): try again later, or raise connection: "
                "max_retry_seconds"
            )
        return kind(
            f"{request.method} {url} answered HTTP {status}{hint}: {excerpt}",
            status=status,
            url=url,
            body_excerpt=excerpt,
        )

    def _outcome_unknown(self, request: httpx.Request, what: str) -> TransportError:
        return TransportError(
            f"{request.method} {self._safe_url(request)} failed after it was sent "
            f"({what}); outcome unknown, not retried because it is not idempotent",
            maybe_sent=True,
        )

    def _deadline_passed(self, call: _Call, *, sent: bool) -> TransportError:
        request, series = call.request, call.series
        if sent and call.attempt_at < call.deadline:
            return TransportError(
                f"{request.method} {self._safe_url(request)}: no complete answer within "
                f"attempt_deadline ({self.settings.attempt_deadline:g} s); the server is stuck "
                "or sends its answer too slowly; try again later, or raise connection: "
                "attempt_deadline",
                maybe_sent=sent,
            )
        if series is not None:
            return TransportError(
                f"{series.subject}: reading its pages took longer than series_deadline "
                f"({series.seconds:g} s), abandoned at {request.method} {self._safe_url(request)}; "
                "the server answers too slowly or pages without end, or raise connection: "
                "series_deadline",
                maybe_sent=sent,
            )
        return TransportError(
            f"{request.method} {self._safe_url(request)} took longer than request_deadline "
            f"({self.settings.request_deadline:g} s) and was abandoned; the server answers too "
            "slowly, or raise connection: request_deadline",
            maybe_sent=sent,
        )

    def _give_up(self, request: httpx.Request, retry: Retry, attempts: int) -> Exception:
        if isinstance(retry.failure, ApiError | DataError):
            return retry.failure
        return TransportError(
            f"{request.method} {self._safe_url(request)}: {retry.reason}; gave up after "
            f"{attempts} attempt(s)"
        )


def _cut_short(content: bytes) -> bool:
    """True when a body is JSON that stops early (a cut transfer, worth another try)."""
    try:
        orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        # orjson counts characters; a cut may also split the last multi-byte character.
        return exc.pos >= len(content.decode("utf-8", errors="ignore").rstrip())
    return False


def host_not_found(exc: BaseException) -> str | None:
    """The resolver's words when `exc` comes from a host name that does not exist (not from a
    resolver that is briefly unreachable, which is worth a retry), else None."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror) and cause.errno in _NO_SUCH_HOST:
            return str(cause.strerror or cause)
        cause = cause.__cause__ or cause.__context__
    return None


_NO_SUCH_HOST = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def _param_text(value: Any) -> str | list[str]:
    if isinstance(value, list | tuple):  # a repeated key: `?status=a&status=b`
        return [str(_param_text(item)) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
