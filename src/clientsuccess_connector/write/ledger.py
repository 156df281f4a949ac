"""The results ledger: one JSON line per input row, made durable as each row finishes.

The first line names what the ledger belongs to: a template on an instance (not an input file,
so one ledger serves every export of the same data, whatever the file is called), and a random
salt from which rows' generated keys (a pulse's uuid) are derived:
    {"ledger": 1, "template": "create_contact", "instance": "https://x.io/api/v1", "salt": ".."}
then one line per row outcome (the user-facing contract):
    {"row": N, "status": "ok"|"error"|"skipped", "http_status": S, "id": ID, "error": "text",
     "key": "...", "content": "..."}
`key` identifies the row: by default a hash of the request it maps to (and how many identical
rows came before it), or a hash of the fields the user names (`key: externalId`); so a re-run
recognises rows even when the input changed between runs (rows inserted, rows fixed, a database
returning rows in another order, another file name). `content` is a hash of the request, to
tell a changed row from an unchanged one. Two crash-safety extensions:
    {"row": N, "status": "pending", "key": ...}  written (and fsync'd) before a POST is sent; a
                                             row whose last line is pending was interrupted
                                             between sending and recording the answer;
    "outcome": "unknown" on an error line    the request may have reached the server (dropped
                                             connection, 5xx on a POST), so it may have acted.
The file is only appended to, and held under an exclusive lock while a run writes it. A key's
last line is its current state; re-runs skip keys whose state is ok (or skipped), re-send
errors, and resolve pending/unknown keys with care.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import orjson

from clientsuccess_connector.errors import ConfigError, StorageError
from clientsuccess_connector.sinks.storage import storage_error

Status = Literal["ok", "error", "skipped", "pending"]
PriorState = Literal["new", "done", "error", "unknown"]


@dataclass(frozen=True, slots=True)
class Prior:
    """What earlier runs recorded for one row key: its state, id and content hash."""

    state: PriorState = "new"
    id: Any = None
    content: str | None = None


_VERSION = 1
_RESUME_HINT = (
    "free some space and run the same write again with this results file: rows recorded as "
    "done are skipped and interrupted ones are checked before anything is sent again"
)


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
    key: str | None = None
    content: str | None = None  # a hash of the row's mapped request
    unreadable: str | None = None  # an answer that could not be used, to spot it coming again

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
        if self.key is not None:
            data["key"] = self.key
        if self.content is not None:
            data["content"] = self.content
        return orjson.dumps(data) + b"\n"


def content_hash(value: Any) -> str:
    """A short, stable hash of a JSON-able value (keys sorted)."""
    return _digest(value).hex()


def _digest(value: Any) -> bytes:
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)
    except TypeError:  # e.g. an integer beyond 64 bits, which orjson refuses
        text = json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.sha256(text).digest()[:16]


class RowKeys:
    """Content keys of rows: equal requests get the same hash, told apart by their count."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def key(self, request: Any) -> str:
        """The key of the next row whose mapped request is `request` (JSON-able)."""
        return self.next_of(content_hash(request))

    def next_of(self, digest: str) -> str:
        """The key of the next row whose request hashes to `digest` (`content_hash`)."""
        nth = self._seen[digest]
        self._seen[digest] += 1
        return digest if nth == 0 else f"{digest}.{nth}"


class Ledger:
    """An append-only results file; thread-safe, with group commit (one fsync covers many lines).

    `owner` names the template and input the ledger belongs to; a file written for another is
    refused. `path=None` gives a ledger that remembers nothing and writes nothing; `write=False`
    only reads (a dry run), without taking the lock.
    """

    def __init__(
        self, path: Path | None, owner: dict[str, Any] | None = None, *, write: bool = True
    ) -> None:
        self.path = path
        self.owner = owner or {}
        self._states: dict[str, Prior] = {}
        self.salt = ""  # from the header: what generated keys are derived from
        self._handle: IO[bytes] | None = None
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._written = 0
        self._synced = 0
        self._broken: StorageError | None = None
        if path is None:
            return
        try:
            if write:
                self._handle = self._open_locked(path)
                data = self._read(self._handle)
            else:
                data = path.read_bytes() if path.exists() else b""
            self._load(path, data)
            if write and not data:
                self.salt = secrets.token_hex(8)
                header = {"ledger": _VERSION, **self.owner, "salt": self.salt}
                self._append(orjson.dumps(header) + b"\n", durable=True)
        except BaseException:
            self.close()
            raise

    # -- reading what earlier runs did -----------------------------------------------------

    @staticmethod
    def _open_locked(path: Path) -> IO[bytes]:
        if path.exists() and not path.is_file():  # /dev/full would be read without end
            raise ConfigError(
                f"results file {path} is not a regular file; give the path of a file "
                "(it is created if missing)"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise ConfigError(
                f"results file {path} is in use by another run; wait for it to finish, or give "
                "this run its own `results` file"
            ) from None
        return handle

    @staticmethod
    def _read(handle: IO[bytes]) -> bytes:
        handle.seek(0)
        data = handle.read()
        keep = len(data)
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1  # a line torn by a crash mid-write: drop it
            handle.truncate(keep)
        return data[:keep]

    def _load(self, path: Path, data: bytes) -> None:
        if data and not data.endswith(b"\n"):
            data = data[: data.rfind(b"\n") + 1]  # torn last line (read-only: left in place)
        for number, raw in enumerate(data.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                entry = orjson.loads(raw)
                if number == 1:
                    self._check_owner(path, entry)
                    continue
                int(entry["row"])
                status = entry["status"]
                key = entry.get("key")
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                raise ConfigError(
                    f"results file {path} line {number} is not a results ledger line; "
                    "give a new `results` file or restore this one"
                ) from None
            if key is None:
                continue  # a row that never became a request (it failed mapping)
            content = entry.get("content")
            earlier = self._states.get(key, Prior())
            if earlier.state == "done" and status != "ok":
                continue  # a skip, or an update that failed: the record stays as it was written
            if status in ("ok", "skipped"):
                self._states[key] = Prior("done", entry.get("id") or earlier.id, content)
            elif status == "pending" or entry.get("outcome") == "unknown":
                self._states[key] = Prior("unknown", None, content)
            else:
                self._states[key] = Prior("error", None, content)

    def _check_owner(self, path: Path, header: Any) -> None:
        if not isinstance(header, dict) or "ledger" not in header:
            raise ConfigError(
                f"results file {path} was written by an earlier version, which knew rows only "
                "by their number; finish that work with the earlier version, or give a new "
                "`results` file"
            )
        self.salt = str(header.get("salt") or "")
        # a header without `instance` predates it: it is taken to be this instance's
        theirs = {k: header.get(k) for k in self.owner if k in header}
        if theirs != {k: self.owner[k] for k in theirs}:
            was = ", ".join(f"{k} {v!r}" for k, v in theirs.items())
            now = ", ".join(f"{k} {v!r}" for k, v in self.owner.items())
            raise ConfigError(
                f"results file {path} belongs to another write ({was}), not this one ({now}); "
                "give this write its own `results` file (or delete that one to start over)"
            )

    @property
    def written(self) -> int:
        """How many rows (keys) earlier runs wrote."""
        return sum(1 for prior in self._states.values() if prior.state == "done")

    def prior(self, key: str) -> Prior:
        """What earlier runs recorded for the row with `key`: new, done (+ id), error, unknown."""
        return self._states.get(key, Prior())

    # -- writing ---------------------------------------------------------------------------

    def write(self, results: list[RowResult], *, durable: bool = True) -> None:
        """Append one line per result; with `durable`, return only once they are fsync'd."""
        if self._handle is None or not results:
            return
        self._append(b"".join(r.line() for r in results), durable=durable)

    def _append(self, payload: bytes, *, durable: bool) -> None:
        with self._lock, self._storage_errors():
            assert self._handle is not None
            self._handle.write(payload)
            self._handle.flush()
            self._written += 1
            ticket = self._written
        if durable:
            with self._storage_errors():
                self._sync(ticket)

    @contextmanager
    def _storage_errors(self) -> Iterator[None]:
        """A full disk as a StorageError naming this file, remembered so `close` does not
        report it a second time."""
        try:
            yield
        except OSError as exc:
            error = storage_error(exc, f"results file {self.path}", _RESUME_HINT)
            if error is None:
                raise
            self._broken = error
            raise error from None

    def _sync(self, ticket: int) -> None:
        with self._sync_lock:
            if self._synced >= ticket:
                return  # another thread's fsync already covered this write
            with self._lock:
                target = self._written
                if self._handle is None:
                    return
                fd = self._handle.fileno()
            os.fsync(fd)
            self._synced = target

    def close(self) -> None:
        """Flush, fsync, unlock and close the file."""
        with self._lock:
            if self._handle is None:
                return
            handle, self._handle = self._handle, None
            try:
                if self._broken is None:
                    with self._storage_errors():
                        handle.flush()
                        os.fsync(handle.fileno())
            finally:
                with suppress(OSError):  # a write the full disk refused stays unwritten
                    handle.close()  # closing releases the lock
