"""What a first sync killed twice costs, against a clean one: API requests and seconds.

    .venv/bin/python -m bench.resume_after_kill                 # 2,000 clients, pulses, 15 ms
    .venv/bin/python -m bench.resume_after_kill --clients 500 --stream client_notes

A clean first sync of one stream into a new DuckDB file is timed and its requests counted (the
simulator's own count). Then the same sync runs into another new file and is killed with SIGKILL
once it has made 1/3, then 2/3, of the clean run's requests (each run started
afresh), and run a third time to the
end. The ratio of requests (killed twice and finished / clean) is what a user pays for a crash;
the result goes to bench/results/resume_after_kill.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import API_KEY, machine, simulator, write_result


def _requests(root: str) -> int:
    return int(httpx.get(f"{root}/_simulator/stats", timeout=30).json()["total"])


def _command(stream: str, database: Path) -> list[str]:
    return [sys.executable, "-m", "clientsuccess_connector", "--quiet", "sync", "--stream",
            stream, "--destination", f"duckdb:///{database}"]  # fmt: skip


def _run(command: list[str], base: str, root: str, kill_at: int | None) -> float:
    """Run the sync; SIGKILL it once the simulator has served `kill_at` requests since it
    started (progress, not time: a loaded machine starts Python slower). Its seconds."""
    env = {**os.environ, "CLIENTSUCCESS_API_KEY": API_KEY, "CLIENTSUCCESS_BASE_URL": base}
    started, before = time.monotonic(), _requests(root)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
    with subprocess.Popen(command, env=env, **quiet) as proc:  # type: ignore[call-overload]
        while kill_at is not None and proc.poll() is None:
            if _requests(root) - before >= kill_at:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return time.monotonic() - started
            time.sleep(0.01)
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"the sync failed: {err.decode()[-500:]}")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--stream", default="pulses")
    parser.add_argument("--latency-ms", type=float, default=15)
    args = parser.parse_args()
    with simulator(args.clients, args.latency_ms) as sim, tempfile.TemporaryDirectory() as tmp:
        records = sim.count(args.stream)
        before = _requests(sim.root)
        clean_seconds = _run(
            _command(args.stream, Path(tmp) / "clean.duckdb"), sim.base, sim.root, None
        )
        clean = _requests(sim.root) - before
        killed = Path(tmp) / "killed.duckdb"
        runs: list[tuple[int, float]] = []  # (requests, seconds) of each run
        for share in (1 / 3, 2 / 3, None):
            before = _requests(sim.root)
            at = None if share is None else round(clean * share)
            seconds = _run(_command(args.stream, killed), sim.base, sim.root, at)
            runs.append((_requests(sim.root) - before, seconds))
        total, spent = sum(r for r, _ in runs), sum(s for _, s in runs)
    text = (
        "# A first sync killed twice, against a clean one\n\n"
        f"Machine: {machine()}. Stream `{args.stream}`: {records:,} records, simulator with "
        f"{args.clients:,} clients and {args.latency_ms:g} ms latency a request.\n"
        f"Command: `.venv/bin/python -m bench.resume_after_kill --clients {args.clients} "
        f"--stream {args.stream} --latency-ms {args.latency_ms:g}`\n\n"
        "| run | requests | seconds |\n|---|---:|---:|\n"
        f"| clean first sync | {clean:,} | {clean_seconds:.1f} |\n"
        f"| killed after 1/3 of its requests | {runs[0][0]:,} | {runs[0][1]:.1f} |\n"
        f"| killed after 2/3 of them | {runs[1][0]:,} | {runs[1][1]:.1f} |\n"
        f"| run to the end | {runs[2][0]:,} | {runs[2][1]:.1f} |\n"
        f"| the three together | {total:,} | {spent:.1f} |\n"
        f"| ratio | {total / clean:.2f} | {spent / clean_seconds:.2f} |\n"
    )
    print(text)
    write_result("resume_after_kill.md", text)


if __name__ == "__main__":
    main()
