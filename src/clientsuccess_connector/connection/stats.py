"""Counters a run reports in its summary: requests, retries, bytes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class ConnectionStats:
    """Thread-safe counters of one connection's traffic."""

    label: str = ""  # what the counts are of (a stream's name), for log events
    requests: int = 0
    retries: int = 0
    bytes_received: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, status: int | None, received: int) -> None:
        """Count one attempt and its answer (None: no answer)."""
        with self._lock:
            self.requests += 1
            self.bytes_received += received
            if status is not None:
                self.statuses[status] = self.statuses.get(status, 0) + 1

    def record_bytes(self, received: int) -> None:
        """Count bytes of an answer read after its status was recorded."""
        with self._lock:
            self.bytes_received += received

    def record_retry(self) -> None:
        """Count one retry."""
        with self._lock:
            self.retries += 1
