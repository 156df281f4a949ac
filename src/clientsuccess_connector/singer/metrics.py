"""Singer METRIC log lines on stderr, as singer-python and the Meltano SDK write them:
`INFO METRIC: {"type": "counter", "metric": "record_count", "value": 5864, "tags": {...}}`.

Counters: `record_count` per stream (RECORD messages written). Timers: `http_request_duration`
per request sent (seconds, with the path and status), `sync_duration` per stream.
"""

from __future__ import annotations

import threading
from typing import Any, TextIO

import httpx
import orjson


class Metrics:
    """Writes METRIC lines to `out`, one whole line at a time from any thread."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._lock = threading.Lock()

    def counter(self, metric: str, value: int, **tags: Any) -> None:
        """A count, e.g. `record_count` of one stream."""
        self._emit({"type": "counter", "metric": metric, "value": value, "tags": tags})

    def timer(self, metric: str, seconds: float, **tags: Any) -> None:
        """A duration in seconds, e.g. `http_request_duration`."""
        value = round(seconds, 6)
        self._emit({"type": "timer", "metric": metric, "value": value, "tags": tags})

    def request(self, request: httpx.Request, status: int | None, seconds: float) -> None:
        """One request's duration (a Connection's `on_timing`); the path only, never a query."""
        outcome = "succeeded" if status is not None and status < 400 else "failed"
        self.timer("http_request_duration", seconds, endpoint=request.url.path,
                   http_status_code=status, status=outcome)  # fmt: skip

    def _emit(self, point: dict[str, Any]) -> None:
        line = f"INFO METRIC: {orjson.dumps(point).decode()}\n"
        with self._lock:
            self.out.write(line)
            self.out.flush()
