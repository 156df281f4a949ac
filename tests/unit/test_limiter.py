"""The connection's limiter: a rate limit spaces requests, a 429 pause holds back everyone."""

from __future__ import annotations

import itertools
import threading

from clientsuccess_connector.connection.limiter import Limiter


class FakeClock:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def test_requests_per_second_spaces_request_starts() -> None:
    """At 4 requests/s, five requests start a quarter of a second apart."""
    clock = FakeClock()
    limiter = Limiter(2, requests_per_second=4, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(5):
        with limiter.slot():
            starts.append(clock())
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(starts)]
    assert gaps == [0.25, 0.25, 0.25, 0.25]


def test_a_pause_holds_back_the_next_request() -> None:
    """After a 429 asks for 3 s, no request of the connection starts before they are up."""
    clock = FakeClock()
    limiter = Limiter(4, clock=clock, sleep=clock.sleep)
    limiter.pause_for(3)
    with limiter.slot():
        started = clock()
    assert started >= 103.0


def test_max_in_flight_is_a_hard_bound() -> None:
    """No more than `max_in_flight` threads are inside a slot at once."""
    limiter = Limiter(3)
    inside = 0
    peak = 0
    lock = threading.Lock()
    release = threading.Event()

    def work() -> None:
        nonlocal inside, peak
        with limiter.slot():
            with lock:
                inside += 1
                peak = max(peak, inside)
            release.wait(0.2)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 3
