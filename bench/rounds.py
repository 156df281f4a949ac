"""Alternating runs: every tool once per round, the order rotated each round; medians quoted."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from bench.measure import run_measured
from bench.tools import Tool


@dataclass
class Run:
    """One run of one tool."""

    seconds: float
    peak_rss_mb: float
    records: int
    ok: bool
    note: str = ""

    @property
    def records_per_second(self) -> float:
        """Records delivered per wall-clock second."""
        return self.records / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Series:
    """Every run of one tool, and its medians."""

    key: str
    label: str
    expected: int
    runs: list[Run] = field(default_factory=list)

    @property
    def good(self) -> list[Run]:
        """Runs that exited 0 and delivered every record exactly once."""
        return [r for r in self.runs if r.ok and r.records == self.expected and not r.note]

    @property
    def rps(self) -> float:
        """Median records/s of the good runs (0 when none)."""
        return median(r.records_per_second for r in self.good) if self.good else 0.0

    @property
    def seconds(self) -> float:
        """Median wall seconds of the good runs."""
        return median(r.seconds for r in self.good) if self.good else 0.0

    @property
    def rss(self) -> float:
        """Median peak RSS (MB) of the good runs."""
        return median(r.peak_rss_mb for r in self.good) if self.good else 0.0

    def to_json(self) -> dict[str, Any]:
        """Plain data for results JSON."""
        return {
            "label": self.label, "expected": self.expected,
            "runs": [asdict(r) | {"records_per_second": r.records_per_second} for r in self.runs],
            "median_records_per_second": self.rps, "median_seconds": self.seconds,
            "median_peak_rss_mb": self.rss,
        }  # fmt: skip


def run_once(tool: Tool, work: Path, timeout: float = 1800) -> Run:
    """Run one tool in a fresh work directory; the directory is removed afterwards."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cmd, env = tool.command(work)
    measured = run_measured(cmd, env=env, cwd=work, timeout=timeout)
    try:
        records = tool.count(work, measured)
    except Exception as exc:  # a failed run may leave no table behind
        records, note = 0, f"count failed: {exc}"
    else:
        note = ""
    if not measured.ok:
        note = f"exit {measured.returncode}: {measured.stderr_tail.strip()[-300:]}"
    elif records != tool.expected and not note:
        note = f"delivered {records} of {tool.expected} records"
    shutil.rmtree(work, ignore_errors=True)
    return Run(measured.seconds, measured.peak_rss_mb, records, measured.ok, note)


def alternate(
    tools: Sequence[Tool], runs: int, work: Path, title: str, warmup: Sequence[Tool] = ()
) -> dict[str, Series]:
    """`runs` rounds of every tool; round r starts with tool r mod n: no tool is always first.

    warmup: each run once first, unrecorded, so the simulator's caches (record JSON bytes, sorted
    ids) are hot for everyone rather than for whoever happens to come second.
    """
    series = {t.key: Series(t.key, t.label, t.expected) for t in tools}
    for tool in warmup:
        run = run_once(tool, work / "warmup")
        print(f"[{title}] warm-up {tool.key}: {run.seconds:.2f} s (not counted)", flush=True)
    for r in range(runs):
        order = [*tools[r % len(tools) :], *tools[: r % len(tools)]]
        for tool in order:
            run = run_once(tool, work / f"{tool.key}-{r}")
            series[tool.key].runs.append(run)
            flag = "" if not run.note else f"  [{run.note}]"
            print(
                f"[{title}] round {r + 1}/{runs} {tool.key:<16} {run.seconds:7.2f} s "
                f"{run.records:>9,} rec {run.records_per_second:>9,.0f} rec/s "
                f"{run.peak_rss_mb:7.0f} MB{flag}",
                flush=True,
            )
    return series
