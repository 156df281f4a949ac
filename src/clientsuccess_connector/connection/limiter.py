"""One limiter per connection: requests in flight, optional requests/second, shared 429 pauses."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from clientsuccess_connector.connection.deadline import DeadlineExceeded


class Limiter:
    """Bounds concurrency and rate for every request of a connection.

    A 429 anywhere calls `pause_for`, which holds back every request that has not started yet,
    not just the one that was refused.
    """

    def __init__(
        self,
        max_in_flight: int,
        requests_per_second: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._resume_at = 0.0
        self._next_start = 0.0

    def pause_for(self, seconds: float) -> None:
        """Hold back every request of the connection for `seconds` from now."""
        with self._lock:
            self._resume_at = max(self._resume_at, self._clock() + seconds)

    def _wait_turn(self, deadline: float | None) -> None:
        while True:
            with self._lock:
                now = self._clock()
                start = max(now, self._resume_at, self._next_start)
                if start <= now:
                    self._next_start = now + self._interval
                    return
                if deadline is not None and start > deadline:
                    raise DeadlineExceeded  # waiting would outlast the request: say so now
                delay = start - now
            self._sleep(delay)

    @contextmanager
    def slot(self, deadline: float | None = None) -> Iterator[None]:
        """Wait for a free slot, any pause and the rate limit; hold the slot while inside.

        With a `deadline` (in `clock()` seconds) no wait goes past it: DeadlineExceeded instead.
        """
        timeout = None if deadline is None else max(0.0, deadline - self._clock())
        if not self._slots.acquire(timeout=timeout):
            raise DeadlineExceeded
        try:
            self._wait_turn(deadline)
            yield
        finally:
            self._slots.release()
