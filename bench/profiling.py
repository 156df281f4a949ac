"""py-spy profiles of a process (ours or the simulator), summarised as top functions.

py-spy writes folded stacks (`-f raw`: "frame;frame;... count"); we keep the top functions by
own time ("self") and by time including callees ("total"), in percent of samples.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from bench.common import ROOT

PY_SPY = ROOT / ".venv" / "bin" / "py-spy"
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::(?P<line>\d+))?\)$")


def _short(frame: str, with_line: bool) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    line = f":{match['line']}" if with_line and match["line"] else ""
    return f"{match['func']} ({path}{line})"


def _stacks(folded: Path) -> Iterator[tuple[str, int]]:
    """(stack, samples) of each line of a py-spy raw file."""
    for line in folded.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if stack and count_text.isdigit():
            yield stack, int(count_text)


def summarise(folded: Path, top: int = 15) -> str:
    """Top functions by self and by total share of the samples in a py-spy raw file."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for stack, count in _stacks(folded):
        samples += count
        frames = stack.split(";")
        own[_short(frames[-1], with_line=True)] += count
        for name in {_short(f, with_line=False) for f in frames}:
            total[name] += count
    if samples == 0:
        return "(no samples)\n"
    out = [f"samples: {samples}", "", "self (own time, by line):"]
    out += [f"  {100 * n / samples:5.1f}%  {name}" for name, n in own.most_common(top)]
    out += ["", "total (including callees):"]
    out += [f"  {100 * n / samples:5.1f}%  {name}" for name, n in total.most_common(top + 10)]
    return "\n".join(out) + "\n"


def record_pid(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """Start sampling a running process for `seconds`; returns the py-spy process."""
    cmd = [str(PY_SPY), "record", "-p", str(pid), "-d", str(int(seconds)), "-f", "raw",
           "-o", str(out), "--nonblocking", "-r", "200"]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def record_command(
    cmd: Sequence[str], out: Path, env: dict[str, str], cwd: Path, *, gil_only: bool = False
) -> int:
    """Run a command under py-spy (all threads, 200 Hz); returns its exit code.

    gil_only: sample only the thread holding the GIL, i.e. where Python CPU time goes.
    """
    full = [str(PY_SPY), "record", "-f", "raw", "-o", str(out), "-r", "200"]
    full += ["--gil", "--", *cmd] if gil_only else ["--", *cmd]
    done = subprocess.run(full, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)  # fmt: skip
    return done.returncode


def import_times(
    module: str, python: Path, top: int = 15, env: Mapping[str, str] | None = None
) -> str:
    """`python -X importtime -c "import MODULE"`: the slowest imports, cumulative ms.

    env: the environment to run in (e.g. PYTHONPATH naming another checkout's src)."""
    done = subprocess.run([str(python), "-X", "importtime", "-c", f"import {module}"],
                          capture_output=True, text=True, check=False, env=env)  # fmt: skip
    rows: list[tuple[int, int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = (part.strip() for part in line[12:].split("|"))
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((int(cumulative), depth, f"{name.strip()} (self {int(own) / 1000:.0f} ms)"))
    total = max((r[0] for r in rows), default=0)
    out = [f"import {module}: {total / 1000:.0f} ms cumulative; slowest (depth <= 4):"]
    shown = sorted((r for r in rows if r[1] <= 4), reverse=True)[:top]
    out += [f"  {c / 1000:6.0f} ms  {'  ' * d}{name}" for c, d, name in shown]
    return "\n".join(out) + "\n"


STAGES: dict[str, tuple[str, ...]] = {
    "imports (start-up)": ("<frozen importlib._bootstrap>",),
    "sink: prepare_batch (dicts -> Arrow)": ("prepare_batch (",),
    "sink: COPY CSV (copy_csv)": ("copy_csv (",),
    "sink: database calls": ("_merge (", "_apply_schema (", "_all_new (", "close (clientsuccess"),
    "HTTP (Connection.request, incl. parse)": ("Connection.request (",),
    "incremental key tally": ("KeyTally.",),
}
"""Stages of a sync, each named by frames that mark it (the first stage matched wins)."""


def stage_shares(folded: Path) -> str:
    """Share of the samples in each stage of `STAGES` (the rest is "other")."""
    counts: Counter[str] = Counter()
    samples = 0
    for stack, count in _stacks(folded):
        samples += count
        stage = next((s for s, marks in STAGES.items() if any(m in stack for m in marks)), "other")
        counts[stage] += count
    lines = ["shares of GIL samples by stage (and samples):"]
    lines += [
        f"  {100 * counts[s] / max(samples, 1):5.1f}%  {counts[s]:6d}  {s}"
        for s in [*STAGES, "other"]
    ]
    return "\n".join(lines) + "\n"
