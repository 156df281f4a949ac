"""`sync --every` (and `write --every`): run cycles until interrupted, surviving outages with
capped backoff.

A cycle fails when a stream fails, the destination cannot be opened now (its lock is held, its
server does not answer) or the API fails; the failure is reported in one line and the cycle is
retried after 10 s, 20 s, 40 s... doubling, but never later than one interval and never sooner
than the interval when it is shorter than 10 s. A success resets the backoff. A configuration
error (a `ConfigError` other than `DestinationUnavailable`) cannot heal: it stops the loop at
once. Ctrl-C or SIGTERM ends the loop (a cycle it interrupts commits nothing more, safely):
exit 0 if the last completed cycle succeeded, 1 if it failed or none completed.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType

import click
import orjson

from clientsuccess_connector.cli.terminal import echo
from clientsuccess_connector.errors import ConfigError, DestinationUnavailable
from clientsuccess_connector.syncing.run import StreamResult

FIRST_RETRY = 10.0
"""Seconds before the first retry of a failed cycle; each further failure doubles it."""


def retry_delay(interval: float, failures: int) -> float:
    """Seconds to wait after `failures` failed cycles in a row (capped at the interval)."""
    return min(interval, FIRST_RETRY * 2.0 ** max(0, failures - 1))


@dataclass(frozen=True)
class CycleFailure:
    """What failed in one cycle: the streams (all selected ones when the cycle could not
    start) and why."""

    streams: list[str]
    why: str


def failure_of(results: list[StreamResult]) -> CycleFailure | None:
    """The failure of a completed cycle, None when every stream succeeded."""
    failed = [r for r in results if r.error]
    if not failed:
        return None
    errors = {r.error for r in failed}
    why = (
        failed[0].error if len(errors) == 1 else "; ".join(f"{r.stream}: {r.error}" for r in failed)
    )
    return CycleFailure([r.stream for r in failed], str(why))


def run_every(
    cycle: Callable[[], list[StreamResult]],
    interval: float,
    streams: list[str],
    *,
    as_json: bool,
    label: str = "sync",
) -> int:
    """Run `cycle` every `interval` seconds until interrupted; the exit code to end with
    (0 when the last completed cycle succeeded). `label` names the work in its messages."""
    failures = 0
    last_ok = False
    with _sigterm_interrupts():
        try:
            while True:
                failure = _attempt(cycle, streams)
                if failure is None:
                    recovered, failures, last_ok, delay = failures, 0, True, interval
                    if recovered:
                        text = f"{label} recovered after {recovered} failed cycle(s)"
                        _report({"event": "cycle_recovered", "failed_cycles": recovered}, text,
                                as_json)  # fmt: skip
                else:
                    failures, last_ok = failures + 1, False
                    delay = retry_delay(interval, failures)  # state first: a signal may follow
                    _report_failure(failure, failures, delay, as_json, label)
                time.sleep(delay)
        except KeyboardInterrupt:
            click.echo("stopped" if last_ok else f"stopped; the last {label} cycle did not succeed",
                       err=True)  # fmt: skip
            return 0 if last_ok else 1


def _attempt(cycle: Callable[[], list[StreamResult]], streams: list[str]) -> CycleFailure | None:
    """One cycle; a failure that may heal is returned, a configuration error raised."""
    try:
        return failure_of(cycle())
    except DestinationUnavailable as exc:
        return CycleFailure(streams, str(exc))
    except ConfigError:
        raise
    except Exception as exc:  # the API or the destination failed: the next cycle may work
        text = str(exc).strip().splitlines()
        return CycleFailure(streams, f"{type(exc).__name__}: {text[0] if text else ''}")


def _report_failure(
    failure: CycleFailure, failures: int, delay: float, as_json: bool, label: str = "sync"
) -> None:
    now = datetime.now(UTC)
    at = now + timedelta(seconds=delay)
    line = {
        "event": "cycle_failed", "at": now.isoformat(), "streams": failure.streams,
        "error": failure.why, "failures_in_a_row": failures, "next_attempt_in": delay,
        "next_attempt_at": at.isoformat(),
    }  # fmt: skip
    text = (
        f"{label} failed at {now:%H:%M:%S} UTC ({', '.join(failure.streams)}): {failure.why}; "
        f"next attempt in {delay:g}s at {at:%H:%M:%S} UTC (failure {failures} in a row)"
    )
    _report(line, text, as_json)


def _report(line: dict[str, object], text: str, as_json: bool) -> None:
    """One line on stderr: JSON, or text with the API's control characters escaped."""
    if as_json:
        click.echo(orjson.dumps(line).decode(), err=True)
    else:
        echo(text, err=True)


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM ends the loop like Ctrl-C (the default would kill it without an exit code of
    ours). Only the main thread can set handlers; elsewhere SIGTERM keeps its default."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
