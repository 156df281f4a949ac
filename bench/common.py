"""Shared pieces of the benchmark scripts: machine facts and a simulator in its own process."""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
API_KEY = "sim-api-key"


def machine() -> str:
    """Cores, memory, CPU model and Python version of this machine, one line."""
    cores = os.cpu_count()
    mem_gib = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = f"{int(line.split()[1]) / 1024 / 1024:.1f}"
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{cores} cores ({model}), {mem_gib} GiB RAM, Python {platform.python_version()}"


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def simulator_process(clients: int, latency_ms: float = 0, seed: int = 1) -> Iterator[str]:
    """Run `clientsuccess-connector simulate` in its own process; yields the /api/v1 base URL."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "clientsuccess_connector", "simulate", "--port", str(port),
        "--clients", str(clients), "--seed", str(seed), "--latency-ms", str(latency_ms),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{base}/product/search", headers={"X-API-Key": API_KEY}, timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the simulator did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def median(values: list[float]) -> float:
    """The median, for quoting."""
    return statistics.median(values)


def write_result(name: str, text: str) -> Path:
    """Write a result file under bench/results and return its path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / name
    path.write_text(text, encoding="utf-8")
    return path
