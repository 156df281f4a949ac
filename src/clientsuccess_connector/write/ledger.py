"""The results ledger: one JSON line per input row, made durable as each row finishes.

Line shape (the user-facing contract):
    {"row": N, "status": "ok"|"error"|"skipped", "http_status": S, "id": ID, "error": "text"}
plus two crash-safety extensions:
    {"row": N, "status": "pending", ...}     written (and fsync'd) before a POST is sent; a row
                                             whose last line is pending was interrupted between
                                             sending and recording the answer;
    "outcome": "unknown" on an error line    the request may have reached the server (dropped
                                             connection, 5xx on a POST), so it may have acted.
The file is only appended to. A row's last line is its current state; re-runs skip rows whose
state is ok (or skipped), re-send errors, and resolve pending/unknown rows with care.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import orjson

from clientsuccess_connector.errors import ConfigError

Status = Literal["ok", "error", "skipped", "pending"]
PriorState = Literal["new", "done", "error", "unknown"]


@dataclass(slots=True)
class RowResult:
    """The outcome of one input row."""

    row: int
    status: Status
    http_status: int | None = None
    id: Any = None
    error: str | None = None
    outcome_unknown: bool = False
    uuid: str | None = None

    def line(self) -> bytes:
        data: dict[str, Any] = {
            "row": self.row,
            "status": self.status,
            "http_status": self.http_status,
            "id": self.id,
            "error": self.error,
        }
        if self.uuid is not None:
            data["uuid"] = self.uuid
        if self.outcome_unknown:
            data["outcome"] = "unknown"
        return orjson.dumps(data) + b"\n"


class Ledger:
    """An append-only results file; thread-safe, with group commit (one fsync covers many lines).

    `path=None` gives a ledger that remembers nothing and writes nothing.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._states: dict[int, tuple[PriorState, Any]] = {}
        self._handle: IO[bytes] | None = None
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._written = 0
        self._synced = 0
        if path is not None:
            self._load(path)

    # -- reading what earlier runs did -----------------------------------------------------

    def _load(self, path: Path) -> None:
        if not path.exists():
            return
        data = path.read_bytes()
        keep = len(data)
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1  # a line torn by a crash mid-write: drop it
        for number, raw in enumerate(data[:keep].splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                entry = orjson.loads(raw)
                row = int(entry["row"])
                status = entry["status"]
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                raise ConfigError(
                    f"results file {path} line {number} is not a results ledger line; "
                    "give a new `results` file or restore this one"
                ) from None
            if status in ("ok", "skipped"):
                self._states[row] = ("done", entry.get("id"))
            elif status == "pending" or entry.get("outcome") == "unknown":
                self._states[row] = ("unknown", None)
            else:
                self._states[row] = ("error", None)
        if keep != len(data):
            with path.open("r+b") as handle:
                handle.truncate(keep)

    def prior(self, row: int) -> tuple[PriorState, Any]:
        """What earlier runs recorded for `row`: new, done (with its id), error or unknown."""
        return self._states.get(row, ("new", None))

    # -- writing ---------------------------------------------------------------------------

    def _open(self) -> IO[bytes]:
        if self._handle is None:
            assert self.path is not None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("ab")
        return self._handle

    def write(self, results: list[RowResult], *, durable: bool = True) -> None:
        """Append one line per result; with `durable`, return only once they are fsync'd."""
        if self.path is None or not results:
            return
        payload = b"".join(r.line() for r in results)
        with self._lock:
            handle = self._open()
            handle.write(payload)
            handle.flush()
            self._written += 1
            ticket = self._written
        if durable:
            self._sync(ticket)

    def intent(self, rows: list[int]) -> None:
        """Durably mark `rows` as about to be sent (a POST whose outcome a crash would hide)."""
        self.write([RowResult(row, "pending") for row in rows])

    def _sync(self, ticket: int) -> None:
        with self._sync_lock:
            if self._synced >= ticket:
                return  # another thread's fsync already covered this write
            with self._lock:
                target = self._written
                fd = self._open().fileno()
            os.fsync(fd)
            self._synced = target

    def close(self) -> None:
        """Flush, fsync and close the file."""
        with self._lock:
            if self._handle is not None:
                self._handle.flush()
                os.fsync(self._handle.fileno())
                self._handle.close()
                self._handle = None
