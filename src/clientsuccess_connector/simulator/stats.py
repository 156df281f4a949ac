"""Request and fault counters, readable while the server runs."""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import Any, NamedTuple

LOG_SIZE = 100_000  # the request log keeps the most recent requests only


class Received(NamedTuple):
    """One API request as the simulator received it: what a test checks a client sent."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]  # every parameter, in order, repeated keys kept


class Stats:
    """API requests by route (template name, `auth`, `unknown`) and status; faults by kind; and
    the most requests, and routes, in flight at one moment (did a client keep its concurrency
    limit? did it overlap the reads of different endpoints?)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, int]] = Counter()
        self._faults: Counter[str] = Counter()
        self._in_flight: Counter[str] = Counter()
        self._peak_routes = 0
        self._peak_requests = 0
        self._log: deque[Received] = deque(maxlen=LOG_SIZE)

    def started(self, route: str) -> None:
        """A request of `route` arrived (its answer is still to come)."""
        with self._lock:
            self._in_flight[route] += 1
            self._peak_routes = max(self._peak_routes, len(self._in_flight))
            self._peak_requests = max(self._peak_requests, sum(self._in_flight.values()))

    def ended(self, route: str) -> None:
        """A request of `route` was answered (or dropped)."""
        with self._lock:
            self._in_flight[route] -= 1
            if self._in_flight[route] <= 0:
                del self._in_flight[route]

    def peak_routes_in_flight(self) -> int:
        """The most distinct routes that had a request in flight at one moment."""
        with self._lock:
            return self._peak_routes

    def peak_in_flight(self) -> int:
        """The most API requests in flight at one moment (does a client keep its limit?)."""
        with self._lock:
            return self._peak_requests

    def received(self, request: Received) -> None:
        """Log one API request (the most recent LOG_SIZE are kept)."""
        with self._lock:
            self._log.append(request)

    def request_log(self) -> list[Received]:
        """The API requests received since the last reset, oldest first."""
        with self._lock:
            return list(self._log)

    def record(self, route: str, status: int) -> None:
        with self._lock:
            self._requests[(route, status)] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._log.clear()
            self._peak_routes = len(self._in_flight)
            self._peak_requests = sum(self._in_flight.values())

    def requests(self, route: str | None = None, status: int | None = None) -> int:
        """How many requests matched `route` and `status` (None = any)."""
        with self._lock:
            return sum(
                n
                for (r, s), n in self._requests.items()
                if (route is None or r == route) and (status is None or s == status)
            )

    def faults(self, kind: str | None = None) -> int:
        """How many faults of `kind` (None = all kinds) were injected."""
        with self._lock:
            if kind is None:
                return sum(self._faults.values())
            return self._faults[kind]

    def snapshot(self) -> dict[str, Any]:
        """{"total": n, "requests": {route: {status: n}}, "faults": {kind: n},
        "peak_in_flight": n, "peak_routes_in_flight": n}."""
        with self._lock:
            by_route: dict[str, dict[str, int]] = {}
            for (route, status), n in sorted(self._requests.items()):
                by_route.setdefault(route, {})[str(status)] = n
            return {
                "total": sum(self._requests.values()),
                "requests": by_route,
                "faults": dict(sorted(self._faults.items())),
                "peak_in_flight": self._peak_requests,
                "peak_routes_in_flight": self._peak_routes,
            }
