"""Shared pieces of the benchmark scripts: machine facts and a simulator in its own process."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
API_KEY = "sim-api-key"
AIRBYTE_MANIFEST_ENV = "CS_BENCH_AIRBYTE_MANIFEST"
AIRBYTE_MANIFEST_SOURCE = (
    "manifest.yaml of the source-client-success connector in Airbyte's repository "
    "(https://github.com/airbytehq/airbyte, "
    "airbyte-integrations/connectors/source-client-success/manifest.yaml)"
)


def airbyte_manifest(given: str | None) -> Path:
    """The Airbyte manifest to run: `given`, else the CS_BENCH_AIRBYTE_MANIFEST variable.

    The manifest is Airbyte's own file and is not kept in this repository; SystemExit saying
    where to get it when neither names an existing file."""
    text = given or os.environ.get(AIRBYTE_MANIFEST_ENV, "")
    path = Path(text).expanduser()
    if not text or not path.is_file():
        problem = f"{text} does not exist" if text else "no Airbyte manifest given"
        raise SystemExit(
            f"{problem}: pass --airbyte-manifest PATH or set {AIRBYTE_MANIFEST_ENV} to the "
            f"{AIRBYTE_MANIFEST_SOURCE}"
        )
    return path


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


@dataclass
class Simulator:
    """A simulator running in its own process."""

    base: str  # .../api/v1
    root: str  # http://127.0.0.1:PORT (the manifest's url_base)
    pid: int
    startup_seconds: float

    def info(self) -> dict[str, Any]:
        """`/_simulator/info`: clients, seed and record counts per resource."""
        body: dict[str, Any] = httpx.get(f"{self.root}/_simulator/info", timeout=30).json()
        return body

    def count(self, resource: str) -> int:
        """How many records of `resource` the simulator holds."""
        return int(self.info()["counts"][resource])


@contextlib.contextmanager
def simulator(
    clients: int,
    latency_ms: float = 0,
    seed: int = 1,
    start_timeout: float = 600,
    *,
    query_cost: str = "indexed",
    jitter_ms: float = 0,
    profile: Mapping[str, str] | None = None,
) -> Iterator[Simulator]:
    """Run `clientsuccess-connector simulate` in its own process until the block ends.

    query_cost: the server profile's cost model, `indexed` or `scan`; profile: any server
    profile settings (`after_precision`, `sort`, ...; docs/simulator.md) overriding it."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "clientsuccess_connector", "simulate", "--port", str(port),
        "--clients", str(clients), "--seed", str(seed), "--latency-ms", str(latency_ms),
        "--jitter-ms", str(jitter_ms), "--query-cost", query_cost,
    ]  # fmt: skip
    for name, value in (profile or {}).items():
        cmd += ["--" + name.replace("_", "-"), value]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                httpx.get(f"{root}/_simulator/info", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() - started > start_timeout:
                    raise RuntimeError("the simulator did not start") from None
                time.sleep(0.2)
        yield Simulator(f"{root}/api/v1", root, proc.pid, time.monotonic() - started)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


@contextlib.contextmanager
def simulator_process(clients: int, latency_ms: float = 0, seed: int = 1) -> Iterator[str]:
    """Run `clientsuccess-connector simulate` in its own process; yields the /api/v1 base URL."""
    with simulator(clients, latency_ms, seed) as sim:
        yield sim.base


def median(values: list[float]) -> float:
    """The median, for quoting."""
    return statistics.median(values)


def write_result(name: str, text: str) -> Path:
    """Write a result file under bench/results and return its path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / name
    path.write_text(text, encoding="utf-8")
    return path


def sync_summary(
    base: str, key: str, database: Path, *extra: str, timeout: float = 3600
) -> tuple[list[dict[str, Any]], float]:
    """Run `sync` in its own process into DuckDB `database`: its summary rows and seconds."""
    env = {**os.environ, "CLIENTSUCCESS_API_KEY": key, "CLIENTSUCCESS_BASE_URL": base}
    command = [sys.executable, "-m", "clientsuccess_connector", "-q", "sync", *extra,
               "--destination", f"duckdb:///{database}", "--format", "json"]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False, timeout=timeout)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the sync failed: {done.stderr.decode()[-500:]}")
    rows: list[dict[str, Any]] = json.loads(done.stdout)["streams"]
    return rows, seconds
