"""Progress for long work: a bar per stream on a terminal, plain log lines otherwise.

A sync reports each stream's `ReadProgress` after every page (`on_read`): records of the total
the API announced (or, for a fan-out, requests of the requests it will send), with percentage,
rate and time left. On a terminal a bar per stream follows every page; off a terminal a line
per committed batch carries the same figures, and a stream that commits rarely still gets a
line every `interval` seconds. `--log-format json` makes each line a JSON event.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

import click
import orjson

from clientsuccess_connector.cli.terminal import echo, plain_console, safe_text
from clientsuccess_connector.read.progress import ReadProgress, describe_progress

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

DEFAULT_INTERVAL = 10.0  # seconds between two plain progress lines of one stream


def progress_event(p: ReadProgress) -> dict[str, Any]:
    """The progress as a JSON log event."""
    return {
        "event": "progress", "stream": p.stream, "unit": p.unit, "done": p.done,
        "total": p.total, "percent": None if p.fraction is None else round(p.fraction * 100, 1),
        "records": p.records, "committed": p.committed, "rate": round(p.rate, 1),
        "seconds_left": None if p.seconds_left is None else round(p.seconds_left, 1),
        "finished": p.finished,
    }  # fmt: skip


class StreamProgress:
    """Callable `(stream, records)` that reports committed batches (or rows done), and
    `on_read(ReadProgress)` for a sync's per-page progress; use as a context manager."""

    def __init__(
        self,
        *,
        quiet: bool = False,
        log_format: str = "text",
        unit: str = "records committed",
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._unit = unit
        self._quiet = quiet
        self._json = log_format == "json"
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._totals: dict[str, int] = {}
        self._latest: dict[str, ReadProgress] = {}
        self._last_line: dict[str, float] = {}
        self._shown: dict[str, int] = {}  # the total of each stream's last line
        self._bar: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        if not quiet and not self._json and sys.stderr.isatty():
            # rich is loaded only for a terminal
            from rich.progress import BarColumn, Progress, TextColumn  # noqa: PLC0415

            self._bar = Progress(
                TextColumn("{task.description}", style="bold", markup=False),
                BarColumn(),
                TextColumn("{task.fields[text]}", markup=False),
                console=plain_console(stderr=True),
                transient=False,
            )

    def __enter__(self) -> StreamProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, stream: str, records: int) -> None:
        with self._lock:
            total = self._totals[stream] = self._totals.get(stream, 0) + records
            if self._quiet:
                return
            latest = self._latest.get(stream)
            if self._bar is not None:
                if latest is None:  # a write: rows done, no per-page progress
                    self._show(stream, None, total=None, text=f"{total:,} {self._unit}")
                return
            if records == 0 and self._shown.get(stream) == total:
                return  # an empty batch (a cursor committed alone) would repeat the last line
            self._shown[stream] = total
            self._last_line[stream] = self._clock()
            if self._json:
                line: dict[str, Any] = {"event": "batch", "stream": stream,
                                        "records": records, "total": total}  # fmt: skip
                if latest is not None:
                    line["progress"] = progress_event(latest)
                click.echo(orjson.dumps(line).decode(), err=True)
                return
            text = f"{stream}: {total:,} {self._unit}"
            if latest is not None:
                text += f" ({describe_progress(latest)})"
            echo(text, err=True)

    def on_read(self, p: ReadProgress) -> None:
        """A stream's progress after a page: the bar follows it; a line now and then."""
        with self._lock:
            self._latest[p.stream] = p
            if self._quiet:
                return
            if self._bar is not None:
                self._show(p.stream, p.done, total=p.total, text=describe_progress(p))
                return
            now = self._clock()
            last = self._last_line.setdefault(p.stream, now)
            if now - last < self._interval or p.finished:
                return
            self._last_line[p.stream] = now
            if self._json:
                click.echo(orjson.dumps(progress_event(p)).decode(), err=True)
            else:
                echo(f"{p.stream}: {describe_progress(p)}", err=True)

    def _show(self, stream: str, done: int | None, *, total: int | None, text: str) -> None:
        assert self._bar is not None
        if stream not in self._tasks:
            self._tasks[stream] = self._bar.add_task(safe_text(stream), total=None, text="")
        update: dict[str, Any] = {"total": total, "text": text}
        if done is not None:
            update["completed"] = done
        self._bar.update(self._tasks[stream], **update)
