"""Progress for long work: a bar per stream on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import threading
from types import TracebackType

import click
import orjson
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from clientsuccess_connector.cli.terminal import echo, plain_console, safe_text


class StreamProgress:
    """Callable `(stream, records)` that reports progress; use as a context manager."""

    def __init__(
        self, *, quiet: bool = False, log_format: str = "text", unit: str = "records committed"
    ) -> None:
        self._unit = unit
        self._quiet = quiet
        self._json = log_format == "json"
        self._lock = threading.Lock()
        self._totals: dict[str, int] = {}
        self._bar: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        if not quiet and not self._json and sys.stderr.isatty():
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}", style="bold", markup=False),
                TextColumn("{task.completed:>10,} " + unit.split(maxsplit=1)[0]),
                TimeElapsedColumn(),
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
            if self._bar is not None:
                if stream not in self._tasks:
                    self._tasks[stream] = self._bar.add_task(safe_text(stream), total=None)
                self._bar.update(self._tasks[stream], completed=total)
            elif self._json:
                line = {"event": "batch", "stream": stream, "records": records, "total": total}
                click.echo(orjson.dumps(line).decode(), err=True)
            else:
                echo(f"{stream}: {total:,} {self._unit}", err=True)
