"""What a first sync's catch-up costs when many records carry recent stamps, against a plain
page-number loop over the same server.

    .venv/bin/python -m bench.catch_up_cost                    # 2,000 clients, scan server
    .venv/bin/python -m bench.catch_up_cost --clients 500 --recent 0 50 100

A first sync reads a stream whole, then catches up on what changed while it read: records
stamped since it began (less the overlap). A server that stamps many records recently (a bulk
import, a clock ahead) made that catch-up re-read them all, 100 at a time by sorted queries.
For each share of client notes restamped within the last minutes (`--recent`, percent), this
runs a plain loop (`GET /clientNote/search?page=N&size=100` until an empty page) and a first
`sync --stream client_notes`, on a simulator whose sorted and filtered searches cost a scan
(`query_cost: scan`, as a server without an index on the stamp). Result:
bench/results/catch_up_cost.md.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import machine, sync_summary, write_result
from clientsuccess_connector.simulator import SimulatorConfig, run_simulator
from clientsuccess_connector.simulator.profile import PRECISIONS, ServerProfile
from clientsuccess_connector.simulator.timefmt import fmt_ms

RESOURCE = "client_notes"


def _restamp(sim: Any, percent: int, seed: int = 7) -> int:
    """Stamp `percent` of the notes within the last ten minutes; how many were."""
    rng = random.Random(seed)
    now = sim.store.clock.now_ms()
    notes = sim.store.records(RESOURCE)
    chosen = rng.sample(notes, len(notes) * percent // 100)
    for note in chosen:
        sim.store.put(RESOURCE, {**note, "modifiedTime": fmt_ms(now - rng.randint(0, 600_000))})
    return len(chosen)


def _plain_loop(base: str, key: str) -> tuple[int, int, float]:
    """(requests, records, seconds) of a page-number loop to the first empty page."""
    started = time.perf_counter()
    records = 0
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=120) as http:
        for page in range(100_000):
            body = http.get("/clientNote/search", params={"page": page, "size": 100}).json()
            if not body["data"]:
                return page + 1, records, time.perf_counter() - started
            records += len(body["data"])
    raise SystemExit("the plain loop never met an empty page")


def _first_sync(base: str, key: str, database: Path) -> tuple[int, int, float]:
    """(requests, records, seconds) of a first `sync --stream client_notes`."""
    [row], seconds = sync_summary(base, key, database, "--stream", RESOURCE)
    return int(row["requests"]), int(row["records"]), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--recent", type=int, nargs="+", default=[0, 50, 100])
    parser.add_argument("--after-precision", default="ms", choices=tuple(PRECISIONS),
                        help="how coarsely the server compares modifiedAfter")  # fmt: skip
    args = parser.parse_args()
    lines = [
        "# A first sync's catch-up when many records carry recent stamps\n",
        f"Machine: {machine()}. Simulator with {args.clients:,} clients, `query_cost: scan`, "
        f"`after_precision: {args.after_precision}`. Command: `.venv/bin/python -m "
        f"bench.catch_up_cost --clients {args.clients} --recent "
        f"{' '.join(map(str, args.recent))} --after-precision {args.after_precision}`\n",
        "| notes restamped recently | notes | plain loop: requests | plain loop: s "
        "| first sync: requests | first sync: records read | first sync: s | extra requests |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for percent in args.recent:
        profile = ServerProfile(query_cost="scan", after_precision=args.after_precision)
        config = SimulatorConfig(clients=args.clients, profile=profile)
        with run_simulator(config) as sim, tempfile.TemporaryDirectory() as tmp:
            restamped = _restamp(sim, percent)
            plain, count, plain_s = _plain_loop(sim.api_v1_url, sim.api_key)
            synced, read, sync_s = _first_sync(sim.api_v1_url, sim.api_key, Path(tmp) / "c.duckdb")
        lines.append(
            f"| {percent}% ({restamped:,}) | {count:,} | {plain:,} | {plain_s:.1f} | {synced:,} "
            f"| {read:,} | {sync_s:.1f} | {synced - plain:+,} |"
        )
        print(lines[-1], flush=True)
    lines.append(
        "\nThe sync's seconds include its start-up and writing to DuckDB; its requests and "
        "records read are the ones its summary counts (a record the catch-up reads again "
        "counts twice)."
    )
    text = "\n".join(lines) + "\n"
    print(text)
    suffix = "" if args.after_precision == "ms" else f"_{args.after_precision}"
    write_result(f"catch_up_cost{suffix}.md", text)


if __name__ == "__main__":
    main()
