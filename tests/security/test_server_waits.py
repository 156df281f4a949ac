"""A server's `Retry-After` is bounded: 0 and negatives mean the normal backoff, a wait beyond
`max_retry_seconds` fails that request at once without pausing the connection, and no value
(inf, 1e12, a year-9999 date) crashes; time waiting in the limiter counts against deadlines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from click.testing import Result

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.connection.deadline import DeadlineExceeded
from clientsuccess_connector.connection.limiter import Limiter
from clientsuccess_connector.errors import ApiError, TransportError
from tests.security.hostile import KEY, HostileServer, Received, response

FAR = ["3600", "inf", "1e12", "1e999", "nan", "Fri, 31 Dec 9999 23:59:59 GMT"]


class Clock:
    """A clock that moves only when the code sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def connect(answers: list[httpx.Response], **settings: object) -> tuple[Connection, Clock]:
    """A connection over a mock transport that answers `answers` in turn, on a fake clock."""
    clock = Clock()
    replies = iter(answers)
    values: dict[str, object] = {"base_url": "http://cs.test/api/v1", "api_key": KEY}
    values.update(settings)
    conn = Connection(
        ConnectionSettings(**values),  # type: ignore[arg-type]
        transport=httpx.MockTransport(lambda request: next(replies)),
        sleep=clock.sleep,
        clock=clock,
        seed=1,
    )
    return conn, clock


@pytest.mark.parametrize("asked", ["0", "-5", "0.0", "Mon, 01 Jan 1990 00:00:00 GMT"])
@pytest.mark.parametrize("status", [429, 503])
def test_no_wait_asked_means_the_normal_backoff(asked: str, status: int) -> None:
    """`Retry-After: 0` (or a past date) is retried after a backoff pause, never at once."""
    refused = httpx.Response(status, headers={"Retry-After": asked})
    conn, clock = connect([refused, refused, httpx.Response(200, json={})])
    assert conn.request("GET", "/clients").status_code == 200
    retry_pauses = [s for s in clock.sleeps if s > 0]
    assert len(retry_pauses) >= 2 and min(retry_pauses) >= 0.25  # backoff_base 0.5, jittered


def test_a_tiny_wait_is_raised_to_the_backoff_base() -> None:
    refused = httpx.Response(503, headers={"Retry-After": "0.001"})
    conn, clock = connect([refused, httpx.Response(200, json={})], backoff_base=2.0)
    conn.request("GET", "/clients")
    assert clock.sleeps == [2.0]


@pytest.mark.parametrize("asked", FAR)
@pytest.mark.parametrize("status", [429, 503])
def test_a_wait_beyond_the_bound_fails_that_request_at_once(asked: str, status: int) -> None:
    """No sleep, no connection-wide pause: the next request goes straight out."""
    refused = httpx.Response(status, headers={"Retry-After": asked})
    conn, clock = connect([refused, httpx.Response(200, json={})], max_retry_seconds=120)
    if asked == "nan":  # unreadable: the normal backoff, then the next answer
        assert conn.request("GET", "/clients").status_code == 200
        return
    with pytest.raises(ApiError, match=r"max_retry_seconds \(120 s\)") as info:
        conn.request("GET", "/clients")
    assert info.value.exit_code == 1
    assert conn.request("GET", "/clients").status_code == 200
    assert clock.sleeps == [] and clock.now == 1000.0


def test_a_wait_within_the_bound_pauses_the_connection_for_that_long() -> None:
    refused = httpx.Response(429, headers={"Retry-After": "100"})
    conn, clock = connect([refused, httpx.Response(200, json={})], max_retry_seconds=120)
    conn.request("GET", "/clients")
    assert sum(clock.sleeps) == pytest.approx(100, abs=1)


def test_the_limiter_never_waits_past_a_deadline() -> None:
    """A pause longer than the time a request has left fails it now, without sleeping."""
    clock = Clock()
    limiter = Limiter(1, clock=clock, sleep=clock.sleep)
    limiter.pause_for(100)
    with pytest.raises(DeadlineExceeded), limiter.slot(deadline=clock.now + 5):
        pass
    assert clock.sleeps == []
    with limiter.slot(deadline=clock.now + 500):
        pass
    assert sum(clock.sleeps) == pytest.approx(100)


def test_a_paused_connection_fails_a_request_whose_deadline_comes_first() -> None:
    """Another request's 429 pause counts against this request's deadline (a series' here)."""
    refused = httpx.Response(429, headers={"Retry-After": "100"})
    conn, clock = connect([refused], max_retry_seconds=120, series_deadline=30, max_attempts=1)
    with pytest.raises(ApiError):
        conn.request("GET", "/clients")  # pauses the connection for 100 s
    series = conn.series_deadline("source 'clients'")
    with pytest.raises(TransportError, match=r"series_deadline \(30 s\)"):
        conn.request("GET", "/clients", series=series)
    assert clock.sleeps == []


def _always_429(asked: str) -> Callable[[Received, HostileServer], bytes]:
    def script(received: Received, server: HostileServer) -> bytes:
        return response(429, b'{"error": "slow down"}', {"Retry-After": asked})

    return script


@pytest.mark.parametrize("asked", ["3600", "inf", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_a_sync_of_six_streams_ends_at_once_on_a_far_retry_after(
    asked: str, tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    """Every stream fails with a message naming the bound; none stalls, none crashes."""
    with HostileServer(_always_429(asked)) as server:
        env = {"CLIENTSUCCESS_BASE_URL": server.origin + "/api/v1", "CLIENTSUCCESS_API_KEY": KEY}
        destination = f"jsonl:///{tmp_path / 'out'}"
        result = run_cli(["sync", "--destination", destination], env=env)
    assert result.exit_code == 1, result.output
    assert "max_retry_seconds" in result.output
    assert "OverflowError" not in result.output and "Traceback" not in result.output
    assert len(server.received) <= 6 * 2  # one refused request per stream (and its retry)
