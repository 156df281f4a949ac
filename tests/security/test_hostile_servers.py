"""Hostile servers: bombs, trickles, links to other origins, echoed credentials.

Every case runs against a raw-socket server of our own on loopback (`hostile.py`) and checks
what a user would notice: a clear error, no request to another origin carrying a credential,
and no secret, nor any 8-character piece of one, in errors, logs or printed requests.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import pytest

from clientsuccess_connector.config.flow import load_flow
from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.errors import ConfigError, ConnectorError, DataError, TransportError
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.reader import Reader
from tests.security.hostile import (
    KEY,
    PASSWORD,
    TOKEN,
    HostileServer,
    Received,
    leaked,
    response,
    trickle,
)

CREDENTIAL_HEADERS = ("x-api-key", "authorization")


def connect(server: HostileServer, **overrides: object) -> Connection:
    """A connection to the hostile server with the suite's key and small limits."""
    base: dict[str, object] = {
        "base_url": server.origin + "/api/v1",
        "api_key": KEY,
        "max_attempts": 3,
        "backoff_base": 0.01,
        "backoff_cap": 0.02,
    }
    base.update(overrides)
    return Connection(ConnectionSettings(**base))  # type: ignore[arg-type]


def json_answer(doc: object, headers: dict[str, str] | None = None) -> bytes:
    return response(200, orjson.dumps(doc), {"Content-Type": "application/json", **(headers or {})})


def credentials_seen(server: HostileServer) -> list[str]:
    return [r.headers[h] for r in server.received for h in CREDENTIAL_HEADERS if h in r.headers]


@pytest.fixture
def other() -> Iterator[HostileServer]:
    """Another origin (same host, another port) that records what it receives."""
    answer = json_answer({"data": [{"id": 2}]})
    with HostileServer(lambda request, server: answer, trusted=False) as server:
        yield server


def test_a_gzip_bomb_stops_at_the_size_limit_and_is_not_retried() -> None:
    """8 MB of zeros in 8 kB of gzip, against a 1 MB limit: one request, one clear error."""
    bomb = gzip.compress(b"0" * (8 * 1024 * 1024))
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    with HostileServer(lambda request, server: response(200, bomb, headers)) as server:
        conn = connect(server, max_response_mb=1)
        with pytest.raises(DataError, match="larger than 1 MB once decompressed"):
            conn.request_json("GET", "/client/search")
    assert len(server.received) == 1


def test_a_server_trickling_bytes_is_abandoned_at_the_request_deadline() -> None:
    """One byte every 50 ms never trips the per-read timeout; the overall deadline stops it."""
    body = orjson.dumps({"data": [{"id": n} for n in range(20)]})
    head = response(200, body, {"Content-Type": "application/json"})[: -len(body)]

    def slowloris(request: Received, server: HostileServer) -> Iterator[bytes]:
        return trickle(head, body, 0.05, server.stop)

    with HostileServer(slowloris) as server:
        conn = connect(server, request_deadline=0.5, timeout=5)
        with pytest.raises(TransportError, match="longer than request_deadline"):
            conn.request("GET", "/client/search")
    assert len(server.received) == 1


def test_a_manual_url_on_another_origin_gets_no_credentials(other: HostileServer) -> None:
    """An absolute URL elsewhere is fetched bare, and --show-request shows no key for it."""
    with HostileServer(lambda request, server: json_answer({})) as server:
        shown: list[str] = []
        conn = Connection(
            ConnectionSettings(base_url=server.origin + "/api/v1", api_key=KEY),
            on_request=shown.append,
        )
        conn.request("GET", other.origin + "/export")
        conn.request("GET", "/client/search")
        described = conn.describe_request("GET", other.origin + "/export")
    assert credentials_seen(other) == []
    assert credentials_seen(server) == [KEY]
    assert "X-API-Key" not in shown[0] and "X-API-Key: ***" in shown[1]
    assert "X-API-Key" not in described


@pytest.mark.parametrize("where", ["body next URL", "Link header"])
def test_a_next_page_on_another_origin_gets_no_credentials(
    other: HostileServer, where: str
) -> None:
    """A hostile first page points the paginator elsewhere: the second page is fetched bare."""
    next_url = other.origin + "/api/v1/items?page=2"

    def first_page(request: Received, server: HostileServer) -> bytes:
        if where == "Link header":
            return json_answer({"data": [{"id": 1}]}, {"Link": f'<{next_url}>; rel="next"'})
        return json_answer({"data": [{"id": 1}], "next": next_url})

    kind = "link_header" if where == "Link header" else "next_url"
    with HostileServer(first_page) as server, connect(server) as conn, Reader(conn) as reader:
        spec = SourceSpec("items", url="/items", data_path="$.data[*]", pagination=kind)
        records = list(reader.records(resolve(spec)))
    assert [r["id"] for r in records] == [1, 2]
    assert credentials_seen(server) == [KEY]
    assert credentials_seen(other) == []


def test_an_origin_the_flow_lists_does_receive_the_credentials(other: HostileServer) -> None:
    """`send_credentials_to` is how a flow trusts a second origin, on purpose."""
    other.trusted = True  # listed below: the leak check must not count what it receives
    with HostileServer(lambda request, server: json_answer({})) as server:
        conn = connect(server, send_credentials_to=(other.origin,))
        conn.request("GET", other.origin + "/export")
    assert credentials_seen(other) == [KEY]


def test_the_session_login_and_token_stay_on_their_origins(other: HostileServer) -> None:
    """The password goes only to the login URL, the token only to the base URL's origin."""

    def api(request: Received, server: HostileServer) -> bytes:
        if request.target == "/v1/auth":
            return json_answer({"access_token": TOKEN, "expires_in": 600})
        return json_answer({})

    with HostileServer(api) as server:
        conn = connect(server, api_key=None, username="u@example.com", password=PASSWORD)
        conn.request("GET", other.origin + "/export")
        conn.request("GET", "/client/search")
    assert credentials_seen(other) == []
    assert all(PASSWORD not in r.body.decode() for r in other.received)
    assert credentials_seen(server) == [TOKEN]


def test_credentials_never_go_from_https_to_http() -> None:
    """Same host, plain http: no key; and a flow cannot list an http origin for an https API."""
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json={})

    settings = ConnectionSettings(base_url="https://cs.test/api/v1", api_key=KEY)
    conn = Connection(settings, transport=httpx.MockTransport(handler))
    conn.request("GET", "http://cs.test/api/v1/client/search")
    conn.request("GET", "https://cs.test/api/v1/client/search")
    assert [h.get("X-API-Key") for h in seen] == [None, KEY]
    with pytest.raises(ConfigError, match="never go from https to http"):
        ConnectionSettings(
            base_url="https://cs.test/api/v1", send_credentials_to=("http://x.test",)
        )


def test_an_error_body_echoing_the_credentials_is_masked_before_it_is_cut(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The key lands across the 300-character excerpt limit, raw, repr-escaped and encoded."""

    def echo(request: Received, server: HostileServer) -> bytes:
        key = request.headers.get("x-api-key", "")
        body = "x" * 285 + f" {key} {key!r} {quote(key)} {request.headers}"
        return response(500, body.encode(), {"Content-Type": "text/plain"})

    with caplog.at_level("DEBUG", logger="clientsuccess_connector"), HostileServer(echo) as server:
        conn = connect(server)
        with pytest.raises(ConnectorError) as info:
            conn.request("GET", "/client/search", params={"k": KEY})
        with pytest.raises(ConnectorError) as post:
            conn.request("POST", "/pulse", json={"note": KEY})
    texts = [str(info.value), str(post.value), getattr(info.value, "body_excerpt", ""), caplog.text]
    assert "HTTP 500" in texts[0] and "***" in texts[0]
    assert leaked([KEY], *texts) == []


def test_an_echoed_session_token_and_password_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    """A server that echoes the Authorization header and the login form back in its errors."""
    login_forms: list[str] = []

    def echo(request: Received, server: HostileServer) -> bytes:
        if request.target == "/v1/auth":
            login_forms.append(request.body.decode())
            return json_answer({"access_token": TOKEN, "expires_in": 600})
        padding = "x" * 285  # the token straddles the 300-character excerpt limit
        body = f"{padding} {request.headers.get('authorization')} after {login_forms}"
        return response(401, body.encode(), {"Content-Type": "text/plain"})

    with caplog.at_level("DEBUG", logger="clientsuccess_connector"), HostileServer(echo) as server:
        conn = connect(server, api_key=None, username="u", password=PASSWORD)
        with pytest.raises(ConnectorError) as info:
            conn.request("GET", "/client/search")
    assert leaked([TOKEN, PASSWORD], str(info.value), caplog.text) == []


def test_a_key_read_from_a_crlf_file_is_sent_without_its_line_ending(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`KEY\\r` (a key file saved on Windows) works, and is never printed in a repr."""
    with HostileServer(lambda request, server: json_answer({})) as server:
        conn = connect(server, api_key=KEY + "\r")
        conn.request("GET", "/client/search")
    assert credentials_seen(server) == [KEY]
    assert leaked([KEY], *capsys.readouterr()) == []


def test_a_base_url_with_a_password_is_refused_without_showing_it() -> None:
    """httpx would send `user:pass@` as Basic auth; the connector refuses it and says why."""
    with pytest.raises(ConfigError, match="must not hold a user name or password") as info:
        ConnectionSettings(base_url=f"https://user:{PASSWORD}@cs.test/api/v1")
    assert leaked([PASSWORD], str(info.value)) == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"base_url": "http://[::1/api/v1"}, "base URL .* is not a valid URL"),
        ({"base_url": "https://cs.test:99999/api"}, "invalid host or port"),
        ({"api_key": "clé-" + KEY}, "non-ASCII or control characters"),
        ({"api_key": 12345678}, "api_key must be text"),
        ({"username": "u", "password": 12345678}, "password must be text"),
        ({"max_response_mb": 0}, "max_response_mb must be positive"),
        ({"series_deadline": 0}, "series_deadline must be positive"),
    ],
)
def test_unusable_connection_settings_are_config_errors(
    settings: dict[str, object], message: str
) -> None:
    """Each is a one-line ConfigError naming the setting, not an internal error."""
    with pytest.raises(ConfigError, match=message) as info:
        ConnectionSettings(**settings)  # type: ignore[arg-type]
    assert leaked([KEY], str(info.value)) == []


def test_a_flow_lists_trusted_origins_as_a_yaml_list(tmp_path: Path) -> None:
    """`send_credentials_to:` in a flow file parses to the settings' list of origins."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "connection:\n  send_credentials_to:\n    - https://files.example.com\n"
        "  max_response_mb: 64\n  series_deadline: 7200\n"
    )
    settings = load_flow(flow, env={}).connection_settings(env={})
    assert settings.send_credentials_to == ("https://files.example.com",)
    assert settings.max_response_mb == 64
    assert settings.series_deadline == 7200


def test_a_url_with_a_password_is_never_sent_as_basic_auth(other: HostileServer) -> None:
    """A manual URL or link naming `user:pass@` is refused before anything is sent."""
    with HostileServer(lambda request, server: json_answer({})) as server, connect(server) as conn:
        url = f"http://user:{PASSWORD}@127.0.0.1:{other.port}/export"
        with pytest.raises(ConfigError, match="holds a user name or password") as info:
            conn.request("GET", url)
    assert other.received == []
    assert leaked([PASSWORD], str(info.value)) == []


def test_a_server_trickling_its_headers_is_abandoned_at_the_request_deadline() -> None:
    """The status line at once, then the headers one byte at a time: each read returns well
    within `timeout`, so only the overall deadline can end it (it used to take minutes)."""
    whole = response(200, b"", {"Content-Type": "application/json", "X-Pad": "p" * 200})
    status_line, rest = whole.split(b"\r\n", 1)

    def slow_headers(request: Received, server: HostileServer) -> Iterator[bytes]:
        return trickle(status_line + b"\r\n", rest, 0.05, server.stop)

    with HostileServer(slow_headers) as server:
        conn = connect(server, request_deadline=0.5, timeout=5)
        with pytest.raises(TransportError, match="longer than request_deadline"):
            conn.request("GET", "/client/search")
    assert len(server.received) == 1


def test_a_server_paging_without_end_is_stopped_at_the_series_deadline() -> None:
    """Every page answers at once and links to one more: only `series_deadline` ends the read,
    with an error naming the source and the setting."""

    def endless(request: Received, server: HostileServer) -> bytes:
        page = int(request.target.rpartition("=")[2] or 0) if "=" in request.target else 0
        next_url = f"{server.origin}/api/v1/items?page={page + 1}"
        return json_answer({"data": [{"id": page}], "next": next_url})

    with (
        HostileServer(endless) as server,
        connect(server, series_deadline=0.5) as conn,
        Reader(conn) as reader,
    ):
        spec = SourceSpec("items", url="/items", data_path="$.data[*]", pagination="next_url")
        with pytest.raises(TransportError, match=r"source 'items'.*series_deadline") as info:
            for _ in reader.records(resolve(spec)):
                pass
    assert "longer than series_deadline (0.5 s)" in str(info.value)
    assert len(server.received) > 1
