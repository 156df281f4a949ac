"""Run one command as a child process: wall time, peak RSS and its last JSON line.

Every tool (ours, the raw loop, dlt, airbyte-cdk) is measured the same way: the harness starts
the process, reaps it with os.wait4 and reads `ru_maxrss` of that child (its own peak resident
set, plus that of any descendant it waited for). Wall time runs from just before the process
is started until it is reaped, so interpreter start-up and imports count for everyone.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Measured:
    """What one child process did."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    result: dict[str, Any] = field(default_factory=dict)
    stderr_tail: str = ""

    @property
    def ok(self) -> bool:
        """True when the process exited 0."""
        return self.returncode == 0


def _last_json(text: str) -> dict[str, Any]:
    for raw in reversed(text.splitlines()):
        line = raw.strip()
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                value = json.loads(line)
                if isinstance(value, dict):
                    return value
    return {}


def run_measured(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 1800,
) -> Measured:
    """Run `cmd` to completion; its stdout/stderr go to temporary files, not pipes."""
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=full_env, cwd=cwd,
            start_new_session=True,
        )  # fmt: skip
        timer = threading.Timer(timeout, _kill_group, args=(proc.pid,))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return Measured(
        seconds=seconds,
        peak_rss_mb=usage.ru_maxrss / 1024,  # Linux: kilobytes
        returncode=proc.returncode,
        result=_last_json(stdout),
        stderr_tail=stderr[-2000:],
    )


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
