"""How many search pages of 100 records per second the simulator serves from one core.

The simulator runs in its own process (one uvicorn worker, httptools); client processes page
through a search with httpx keep-alive connections. Writes bench/results/simulator_throughput.md.

    .venv/bin/python bench/simulator_throughput.py [--clients 2000] [--seconds 5] [--workers 2]
        [--resource client_notes] [--size 100] [--parse]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROUTES = {
    "client_notes": "/clientNote/search",
    "contacts": "/contact/search",
    "clients": "/client/search",
    "pulses": "/pulse/search",
}
RESULT = Path(__file__).parent / "results" / "simulator_throughput.md"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(
    url: str, key: str, seconds: float, size: int, parse: bool, offset: int, out: mp.Queue
) -> None:  # type: ignore[type-arg]
    pages = records = nbytes = 0
    with httpx.Client(headers={"X-API-Key": key}, timeout=30) as client:
        total_pages = client.get(url, params={"size": size}).json()["totalPages"]
        deadline = time.perf_counter() + seconds
        page = offset
        while time.perf_counter() < deadline:
            resp = client.get(url, params={"page": page % total_pages, "size": size})
            resp.raise_for_status()
            nbytes += len(resp.content)
            if parse:
                records += len(resp.json()["data"])
            pages += 1
            page += 1
    out.put((pages, records, nbytes))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _memory_gb() -> float:
    try:
        with Path("/proc/meminfo").open() as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=2, help="client processes")
    ap.add_argument("--resource", choices=sorted(ROUTES), default="client_notes")
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--parse", action="store_true", help="clients also parse the JSON")
    ap.add_argument("--no-write", action="store_true", help="do not write the results file")
    args = ap.parse_args()

    port = _free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "clientsuccess_connector", "simulate", "--port", str(port),
         "--clients", str(args.clients)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v2"
    url = base + ROUTES[args.resource]
    try:
        while True:
            try:
                httpx.get(base + "/product/search?size=1", headers={"X-API-Key": "sim-api-key"})
                break
            except httpx.TransportError:
                if server.poll() is not None or time.perf_counter() - started > 60:
                    raise SystemExit("simulator did not start") from None
                time.sleep(0.05)
        startup = time.perf_counter() - started
        # warm the sorted-id cache and the per-record byte cache
        _warm = mp.Queue()  # type: ignore[var-annotated]
        _worker(url, "sim-api-key", 1.0, args.size, False, 0, _warm)
        queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
        procs = [
            mp.Process(
                target=_worker,
                args=(url, "sim-api-key", args.seconds, args.size, args.parse, i * 7, queue),
            )
            for i in range(args.workers)
        ]
        cpu0 = _cpu_seconds(server.pid)
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        results = [queue.get() for _ in procs]
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - t0
        server_cpu = _cpu_seconds(server.pid) - cpu0
    finally:
        server.terminate()
        server.wait(timeout=10)
    pages = sum(r[0] for r in results)
    nbytes = sum(r[2] for r in results)
    rate = pages / elapsed
    mb = nbytes / elapsed / 1e6
    cmd = (
        f".venv/bin/python bench/simulator_throughput.py --clients {args.clients} "
        f"--seconds {args.seconds:g} --workers {args.workers} --resource {args.resource} "
        f"--size {args.size}" + (" --parse" if args.parse else "")
    )
    machine = (
        f"{os.cpu_count()} logical cores ({_cpu_model()}), {_memory_gb():.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )
    summary = (
        f"{rate:,.0f} pages/s of {args.size} {args.resource} records "
        f"({mb:,.1f} MB/s of JSON), one simulator process, {args.workers} client process(es)"
    )
    per_core = pages / server_cpu if server_cpu > 0 else float("nan")
    cpu_line = (
        f"simulator CPU: {server_cpu:.2f} s for {pages} pages = {per_core:,.0f} pages per "
        f"CPU-second of the simulator process (its one-core capacity)"
    )
    print(summary)
    print(cpu_line)
    print(f"simulator start-up incl. data for {args.clients} clients: {startup:.2f} s")
    print(f"machine: {machine}  (wall {elapsed:.1f} s)")
    if args.no_write:
        return
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(
        "# Simulator throughput\n\n"
        f"- **{summary}**\n"
        f"- {cpu_line}\n"
        f"- Simulator: one uvicorn worker (httptools, asyncio loop, access log off), "
        f"{args.clients} clients of seeded data; start-up to first answer {startup:.2f} s\n"
        f"- Clients: httpx keep-alive, paging `{ROUTES[args.resource]}` round-robin for "
        f"{args.seconds:g} s after a 1 s warm-up{'; JSON parsed' if args.parse else ''}\n"
        f"- Machine: {machine}\n\n"
        f"Reproduce:\n\n```\n{cmd}\n```\n"
    )


if __name__ == "__main__":
    main()
