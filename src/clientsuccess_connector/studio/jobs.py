"""Long work off the request thread: syncs and writes as jobs the browser polls.

A job has a key (for a sync, the streams it covers); starting a job whose key is already
running returns the running one, so two tabs pressing "Sync now" start one sync.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from clientsuccess_connector.errors import ConnectorError
from clientsuccess_connector.read.progress import ReadProgress, describe_progress

Status = Literal["running", "done", "failed"]


@dataclass(frozen=True, slots=True)
class StreamShare:
    """One stream's progress as the job card shows it: a bar (when the total is known), words."""

    stream: str
    fraction: float | None
    text: str


@dataclass
class Job:
    """One piece of background work and what it has reported so far."""

    id: str
    key: str
    title: str
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: Status = "running"
    counts: dict[str, int] = field(default_factory=dict)
    finished: datetime | None = None
    error: str | None = None
    result: Any = None
    traffic: Any = None  # live request counters (ConnectionStats) once the work has them
    reads: dict[str, ReadProgress] = field(default_factory=dict)  # a sync's, per stream
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, amount: int) -> None:
        """Count progress (records per stream, rows done)."""
        with self._lock:
            self.counts[name] = self.counts.get(name, 0) + amount

    def read(self, progress: ReadProgress) -> None:
        """Keep a stream's latest read progress (called after every page)."""
        with self._lock:
            self.reads[progress.stream] = progress

    def stream_progress(self) -> list[StreamShare]:
        """Each stream's progress so far, in the order the streams started."""
        with self._lock:
            reads = list(self.reads.values())
        return [StreamShare(p.stream, p.fraction, describe_progress(p)) for p in reads]

    def watch(self, traffic: Any) -> None:
        """Keep the live counters of the connection the work uses."""
        self.traffic = traffic

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)

    @property
    def total(self) -> int:
        return sum(self.snapshot().values())


Work = Callable[[Job], Any]


class Jobs:
    """Running and finished jobs of this studio process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._running: dict[str, Job] = {}
        self._ids = itertools.count(1)

    def start(self, key: str, title: str, work: Work) -> tuple[Job, bool]:
        """Run `work(job)` in a thread; (the job, True) or (the running job of `key`, False)."""
        with self._lock:
            running = self._running.get(key)
            if running is not None:
                return running, False
            job = Job(id=str(next(self._ids)), key=key, title=title)
            self._jobs[job.id] = job
            self._running[key] = job
        thread = threading.Thread(
            target=self._run, args=(job, work), name=f"studio-job-{job.id}", daemon=True
        )
        thread.start()
        return job, True

    def _run(self, job: Job, work: Work) -> None:
        try:
            job.result = work(job)
            job.status = "done"
        except ConnectorError as exc:
            job.error, job.status = str(exc), "failed"
        except Exception as exc:  # a bug or a database refusal: report it, keep serving
            first = str(exc).splitlines()[0] if str(exc) else ""
            job.error, job.status = f"{type(exc).__name__}: {first}", "failed"
        finally:
            job.finished = datetime.now(UTC)
            with self._lock:
                self._running.pop(job.key, None)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def busy(self) -> bool:
        with self._lock:
            return bool(self._running)

    def latest(self, predicate: Callable[[Job], bool]) -> Job | None:
        """The most recent job matching `predicate`."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in reversed(jobs):
            if predicate(job):
                return job
        return None

    def wait(self, job: Job, timeout: float) -> None:
        """Block until `job` ends or `timeout` seconds pass (for tests and the CLI)."""
        deadline = time.monotonic() + timeout
        while job.status == "running" and time.monotonic() < deadline:
            time.sleep(0.05)


class Scheduler:
    """Runs `trigger()` every `seconds` while the studio runs (the Datasets "every" setting)."""

    def __init__(self, trigger: Callable[[], None]) -> None:
        self._trigger = trigger
        self._seconds: float | None = None
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="studio-schedule", daemon=True)
        self._thread.start()

    @property
    def seconds(self) -> float | None:
        return self._seconds

    def set(self, seconds: float | None) -> None:
        self._seconds = seconds
        self._wake.set()

    def stop(self) -> None:
        self._stop = True
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop:
            self._wake.clear()
            seconds = self._seconds
            if seconds is None:
                self._wake.wait()
                continue
            if not self._wake.wait(seconds) and not self._stop:
                self._trigger()
