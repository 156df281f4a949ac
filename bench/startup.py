"""Start-up cost: this checkout against a base revision, runs alternated, medians compared.

Measures `python -X importtime -c "import clientsuccess_connector.cli.sync"` (the sync
command's imports), the wall and CPU time of `--help` and `templates`, and of a sync of one
stream into a fresh DuckDB file against a simulator in its own process. The base revision's
`src/` is exported to a temporary directory and run with the same interpreter via PYTHONPATH.

    python -m bench.startup --base main --runs 5 --clients 5000
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bench.common import API_KEY, ROOT, machine, simulator, write_result
from bench.profiling import import_times

SYNC_MODULE = "clientsuccess_connector.cli.sync"


def export_src(base: str, into: Path) -> Path:
    """`git archive BASE src` unpacked under `into`; the directory to put on PYTHONPATH."""
    archive = subprocess.run(["git", "archive", base, "src"], cwd=ROOT, capture_output=True,
                             check=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def import_ms(env: Mapping[str, str]) -> float:
    """Cumulative milliseconds of importing the sync command, by `-X importtime`."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {SYNC_MODULE}"],
                          capture_output=True, text=True, env=env, check=True)  # fmt: skip
    for line in done.stderr.splitlines():
        if line.rstrip().endswith(f"| {SYNC_MODULE}"):
            return int(line.split("|")[1]) / 1000
    raise RuntimeError(f"no importtime line for {SYNC_MODULE}")


def timed(args: Sequence[str], env: Mapping[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds user+sys) of `python -m clientsuccess_connector ARGS`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "clientsuccess_connector", *args], env=env, cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def alternate(
    runs: int, sides: Sequence[str], measure: Callable[[str, int], tuple[float, ...]]
) -> dict[str, list[tuple[float, ...]]]:
    """`measure(side, run)` `runs` times per side, the sides taking turns (noise hits both)."""
    results: dict[str, list[tuple[float, ...]]] = {side: [] for side in sides}
    for run in range(runs):
        for side in sides:
            results[side].append(measure(side, run))
    return results


def medians(samples: list[tuple[float, ...]]) -> tuple[float, ...]:
    """The median of each column of the samples."""
    return tuple(statistics.median(column) for column in zip(*samples, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="revision to compare with [main]")
    parser.add_argument("--runs", type=int, default=5, help="runs per side and measure [5]")
    parser.add_argument("--clients", type=int, default=5000, help="simulator clients [5000]")
    parser.add_argument("--stream", default="client_notes", help="stream to sync [client_notes]")
    parser.add_argument("--out", default="startup.md", help="file under bench/results")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, simulator(options.clients) as sim:
        work = Path(tmp)
        clean = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTSUCCESS_")}
        env = {**clean, "CLIENTSUCCESS_BASE_URL": sim.base, "CLIENTSUCCESS_API_KEY": API_KEY,
               "NO_COLOR": "1"}  # fmt: skip
        envs = {
            "before": {**env, "PYTHONPATH": str(export_src(options.base, work))},
            "after": {**env, "PYTHONPATH": str(ROOT / "src")},
        }
        rows: list[tuple[str, dict[str, tuple[float, ...]]]] = []

        def sides(measure: Callable[[str, int], tuple[float, ...]]) -> dict[str, tuple[float, ...]]:
            found = alternate(options.runs, list(envs), measure)
            return {side: medians(samples) for side, samples in found.items()}

        def importing(side: str, _: int) -> tuple[float, ...]:
            return (import_ms(envs[side]),)

        def helping(side: str, _: int) -> tuple[float, ...]:
            return timed(["--help"], envs[side], work)

        def listing(side: str, _: int) -> tuple[float, ...]:
            return timed(["templates"], envs[side], work)

        def sync(side: str, run: int) -> tuple[float, ...]:
            url = f"duckdb:///{work / f'{side}-{run}.duckdb'}"
            args = ["--quiet", "sync", "--stream", options.stream, "--destination", url]
            return timed(args, envs[side], work)

        rows.append(("import cli.sync (ms, -X importtime)", sides(importing)))
        rows.append(("`--help` wall s / CPU s", sides(helping)))
        rows.append(("`templates` wall s / CPU s", sides(listing)))
        rows.append((f"`sync --stream {options.stream}` wall s / CPU s", sides(sync)))
        records = sim.count(options.stream)
        tops = {side: import_times(SYNC_MODULE, Path(sys.executable), 25, envs[side])
                for side in envs}  # fmt: skip

    lines = [
        "# Start-up: this checkout against a base revision",
        "",
        f"    python -m bench.startup --base {options.base} --runs {options.runs} "
        f"--clients {options.clients} --stream {options.stream}",
        "",
        "Each side runs the same interpreter with its own `src/` on PYTHONPATH; the measures take",
        "turns (before, after, before, ...) and each cell is the median. `import cli.sync` is the",
        f"cumulative time `python -X importtime -c 'import {SYNC_MODULE}'` reports; the commands",
        "are `python -m clientsuccess_connector ...`, output to /dev/null (not a terminal), the",
        "sync into a fresh DuckDB file each run, against `simulate` in its own process.",
        "",
        f"machine: {machine()}; load average at the end {os.getloadavg()[0]:.1f}",
        f"base: {options.base}; {options.runs} runs per side, alternated; medians",
        f"sync: {records:,} {options.stream} records, simulator --clients {options.clients}",
        "",
        "| measure | before | after |",
        "|---|---|---|",
    ]
    for label, found in rows:
        cells = [" / ".join(f"{v:.3f}" if v < 10 else f"{v:.0f}" for v in found[s]) for s in envs]
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    for side, text in tops.items():
        lines += ["", f"importtime, {side}:", "", *("    " + t for t in text.splitlines())]
    report = "\n".join(lines) + "\n"
    print(report)
    write_result(options.out, report)


if __name__ == "__main__":
    main()
