"""The connection: credentials on the wire, safe retries, masking (over httpx.MockTransport)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.errors import (
    ApiError,
    AuthError,
    ConfigError,
    DataError,
    TransportError,
)

KEY = "key-0123456789-secret"
Handler = Callable[[httpx.Request], httpx.Response]


def make(handler: Handler, **overrides: object) -> tuple[Connection, list[float]]:
    """A connection over a mock transport whose sleeps are recorded, not slept."""
    sleeps: list[float] = []
    base: dict[str, object] = {"base_url": "http://cs.test/api/v1", "api_key": KEY}
    base.update(overrides)
    settings = ConnectionSettings(**base)  # type: ignore[arg-type]
    conn = Connection(settings, transport=httpx.MockTransport(handler), sleep=sleeps.append, seed=1)
    return conn, sleeps


def test_api_key_goes_in_the_configured_header() -> None:
    """X-API-Key by default, Authorization when chosen."""
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json={})

    conn, _ = make(handler)
    conn.request("GET", "/pulse/search")
    conn2, _ = make(handler, api_key_header="Authorization")
    conn2.request("GET", "/pulse/search")
    assert seen[0]["X-API-Key"] == KEY
    assert seen[1]["Authorization"] == KEY


def test_relative_urls_join_the_base_and_params_are_encoded() -> None:
    """A relative path is appended to the base URL; query values are encoded by httpx."""
    urls: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(request.url)
        return httpx.Response(200, json={})

    conn, _ = make(handler)
    conn.request("GET", "clientNote/search", params={"subject": "a&b=c", "page": 0, "x": None})
    assert urls[0].path == "/api/v1/clientNote/search"
    assert urls[0].params["subject"] == "a&b=c"
    assert "x" not in urls[0].params


def test_503_then_success_is_retried_with_retry_after() -> None:
    """A maintenance page is retried, waiting what Retry-After asks."""
    maintenance = httpx.Response(
        503, text="<html>System Maintenance</html>", headers={"Retry-After": "2"}
    )
    answers = iter([maintenance, httpx.Response(200, json={})])
    conn, sleeps = make(lambda request: next(answers))
    assert conn.request("GET", "/client/search").status_code == 200
    assert 2.0 in sleeps
    assert conn.stats.retries == 1


def test_post_is_not_retried_after_a_500() -> None:
    """A 500 on a POST may have acted: it is raised, not retried."""
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(500, json={"message": "boom"})

    conn, _ = make(handler)
    with pytest.raises(ApiError, match="HTTP 500"):
        conn.request("POST", "/pulse", json={"clientId": 1})
    assert len(calls) == 1


def test_post_is_retried_after_429_and_the_whole_connection_pauses() -> None:
    """429 means the server did not act, so even a POST goes again, after the pause."""
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(201, json={})]
    )
    conn, sleeps = make(lambda request: next(answers))
    assert conn.request("POST", "/pulse", json={"clientId": 1}).status_code == 201
    assert sleeps and max(sleeps) >= 1.0


def test_post_dropped_after_sending_reports_unknown_outcome() -> None:
    """A connection dropped mid-answer on a POST is not retried: the outcome is unknown."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed connection", request=request)

    conn, _ = make(handler)
    with pytest.raises(TransportError, match="outcome unknown"):
        conn.request("POST", "/pulse", json={"clientId": 1})


def test_get_dropped_is_retried_until_attempts_run_out() -> None:
    """Idempotent requests retry connection drops, bounded by max_attempts."""
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ReadError("reset", request=request)

    conn, _ = make(handler, max_attempts=3)
    with pytest.raises(TransportError, match="3 attempt"):
        conn.request("GET", "/pulse/search")
    assert len(calls) == 3


def test_session_token_login_reuse_and_relogin_on_401() -> None:
    """Log in once, send the bare token, log in again once when it is refused."""
    tokens = iter(["tok-aaaaaaaa", "tok-bbbbbbbb"])
    logins: list[bytes] = []
    valid = {"tok-bbbbbbbb"}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/auth":
            logins.append(request.content)
            return httpx.Response(200, json={"access_token": next(tokens), "expires_in": 43200})
        if request.headers.get("Authorization") in valid:
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(401, json={"error": "invalid_token"})

    conn, _ = make(handler, api_key=None, username="u@example.com", password="pw-secret-1")
    assert conn.request("GET", "/client/search").status_code == 200
    conn.request("GET", "/client/search")
    assert len(logins) == 2
    assert b"username=u%40example.com" in logins[0]


def test_wrong_login_is_an_auth_error_without_the_password() -> None:
    """A refused login says what to check and never shows the password."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"code": "Unauthorized", "message": ""})

    conn, _ = make(handler, api_key=None, username="u", password="pw-secret-1")
    with pytest.raises(AuthError) as info:
        conn.request("GET", "/client/search")
    assert "pw-secret-1" not in str(info.value)
    assert "CLIENTSUCCESS_PASSWORD" in str(info.value)


def test_describe_request_masks_every_secret() -> None:
    """Printed requests never show the key, even when it is echoed in the URL or body."""
    conn, _ = make(lambda request: httpx.Response(200))
    text = conn.describe_request("POST", "/x", params={"echo": KEY}, json={"k": KEY})
    assert KEY not in text
    assert "X-API-Key: ***" in text


def test_bad_settings_are_config_errors() -> None:
    """Settings are validated with a message naming the field."""
    with pytest.raises(ConfigError, match="max_concurrency"):
        ConnectionSettings(max_concurrency=0)
    with pytest.raises(ConfigError, match="CLIENTSUCCESS_API_KEY_HEADER"):
        ConnectionSettings(api_key_header="X-Key")
    with pytest.raises(ConfigError, match="unknown connection setting"):
        ConnectionSettings().with_overrides(api_keyy="x")


def test_each_retry_is_logged_with_its_reason_and_wait_and_no_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 503 and a 429 are logged as warnings naming the status and the wait; the key is masked."""
    answers = iter(
        [
            httpx.Response(503, text=f"down for {KEY}", headers={"Retry-After": "2"}),
            httpx.Response(429, headers={"Retry-After": "1"}),
            httpx.Response(200, json={}),
        ]
    )
    conn, _ = make(lambda request: next(answers))
    with caplog.at_level("DEBUG", logger="clientsuccess_connector"):
        conn.request("GET", "/client/search", params={"echo": KEY})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP 503; retrying in 2.0 s (attempt 2 of 6)" in text
    assert "HTTP 429" in text and "pausing every request for 1.0 s" in text
    assert all(r.name.startswith("clientsuccess_connector.connection") for r in caplog.records)
    assert KEY not in text


def test_logins_and_renewals_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    """The first login and the renewal after a refused token are logged at INFO."""
    tokens = iter(["tok-aaaaaaaa", "tok-bbbbbbbb"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/auth":
            return httpx.Response(200, json={"access_token": next(tokens), "expires_in": 600})
        ok = request.headers.get("Authorization") == "tok-bbbbbbbb"
        return httpx.Response(200 if ok else 401, json={})

    conn, _ = make(handler, api_key=None, username="u", password="pw-secret-1")
    with caplog.at_level("INFO", logger="clientsuccess_connector"):
        conn.request("GET", "/client/search")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "logged in at http://cs.test/v1/auth" in text
    assert "refused the session token" in text and "renewed the session token" in text
    assert "tok-aaaaaaaa" not in text and "tok-bbbbbbbb" not in text


def test_a_login_the_server_cannot_answer_yet_is_retried_even_for_a_post() -> None:
    """A 503 on the login means the POST was never sent: it is retried, then sent once."""
    answers = iter(
        [httpx.Response(503), httpx.Response(200, json={"access_token": "tok-cccccccc"})]
    )
    posts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/auth":
            return next(answers)
        posts.append(request.headers["Authorization"])
        return httpx.Response(201, json={})

    conn, sleeps = make(handler, api_key=None, username="u", password="pw-secret-1")
    assert conn.request("POST", "/pulse", json={"clientId": 1}).status_code == 201
    assert posts == ["tok-cccccccc"]
    assert len(sleeps) == 1


def test_the_same_malformed_body_twice_is_not_retried_again() -> None:
    """A complete body that does not parse is tried twice, not until the attempts run out."""
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, text="<html>not json</html>")

    conn, _ = make(handler)
    with pytest.raises(DataError, match="not valid JSON"):
        conn.request_json("GET", "/client/search")
    assert len(calls) == 2
