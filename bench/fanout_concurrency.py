"""Lookup fan-out over 1,000 contracts with 50 ms of latency: max_concurrency 8 against 1.

One request per contract id (search_contract_notes), records streamed; the same simulator
process serves both settings, runs alternate (8, 1, 8, 1, ...) and medians are quoted.

    .venv/bin/python -m bench.fanout_concurrency [--contracts 1000] [--latency-ms 50] [--runs 1]
"""

from __future__ import annotations

import argparse
import sys
import time

import httpx

from bench.common import API_KEY, machine, median, simulator_process, write_result
from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.lookups import LookupTable
from clientsuccess_connector.read.reader import Reader


def contract_ids(base: str, count: int) -> list[int]:
    """The first `count` contract ids of the simulator."""
    ids: list[int] = []
    page = 0
    with httpx.Client(headers={"X-API-Key": API_KEY}, timeout=60) as http:
        while len(ids) < count:
            body = http.get(f"{base}/contract/search", params={"page": page, "size": 500}).json()
            ids += [c["id"] for c in body["data"]]
            if body["last"]:
                break
            page += 1
    if len(ids) < count:
        sys.exit(f"only {len(ids)} contracts; raise --clients")
    return ids[:count]


def fan_out(base: str, ids: list[int], concurrency: int) -> tuple[float, int]:
    """Seconds and records for one fan-out at the given max_concurrency."""
    settings = ConnectionSettings(base_url=base, api_key=API_KEY, max_concurrency=concurrency)
    table = LookupTable.from_records("contracts", ({"id": i} for i in ids))
    source = resolve(SourceSpec("notes", template="search_contract_notes",
                                params={"contractId": "{contracts.id}"}))  # fmt: skip
    started = time.perf_counter()
    with Connection(settings) as conn, Reader(conn, lookups={"contracts": table}) as reader:
        records = sum(len(page) for page in reader.pages(source))
    return time.perf_counter() - started, records


def main() -> None:
    """Measure and write bench/results/fanout_concurrency.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    clients = int(args.contracts / 1.2) + 50
    with simulator_process(clients, latency_ms=args.latency_ms) as base:
        ids = contract_ids(base, args.contracts)
        timings: dict[int, list[float]] = {8: [], 1: []}
        records = 0
        for _ in range(args.runs):
            for concurrency in (8, 1):
                seconds, records = fan_out(base, ids, concurrency)
                timings[concurrency].append(seconds)
                print(f"max_concurrency={concurrency}: {seconds:.2f} s, {records} records")
    fast, slow = median(timings[8]), median(timings[1])
    text = f"""# Lookup fan-out: max_concurrency 8 against 1

- What: `search_contract_notes` once per contract id, {args.contracts} ids, {records} records,
  {args.latency_ms:g} ms of simulated latency on every request.
- Machine: {machine()}
- Command: `.venv/bin/python -m bench.fanout_concurrency --contracts {args.contracts} \
--latency-ms {args.latency_ms:g} --runs {args.runs}`
- Runs: {args.runs} per setting, alternating; medians.

| max_concurrency | seconds (median) | requests/s |
|---|---|---|
| 8 | {fast:.2f} | {args.contracts / fast:.0f} |
| 1 | {slow:.2f} | {args.contracts / slow:.0f} |

Speed-up with 8: **{slow / fast:.1f}x**.
"""
    path = write_result("fanout_concurrency.md", text)
    print(text)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
