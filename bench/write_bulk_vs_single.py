"""Bulk versus single-record writes: bulk_create_contacts against create_contact, records/s.

Usage:
    .venv/bin/python -m bench.write_bulk_vs_single [--runs 3] [--bulk-rows 5000]
        [--single-rows 1000] [--latency-ms 0] [--concurrency 4]

The simulator runs in its own process. Each run writes fresh contacts through both templates,
in alternating order (bulk first on even runs, single first on odd runs), with a results ledger
as a user would (every line fsync'd). Reports the median records/s of each, their ratio, and
writes bench/results/write_bulk_vs_single.md.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

import httpx

from bench.common import API_KEY, machine, median, simulator_process, write_result
from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.write import WriteJob, write_records


def client_ids(base_url: str) -> list[int]:
    response = httpx.get(
        f"{base_url}/client/search", params={"size": 100}, headers={"X-API-Key": API_KEY}
    )
    response.raise_for_status()
    return [c["id"] for c in response.json()["data"]]


def one_run(
    conn: Connection, template: str, rows: int, ids: list[int], tag: str, ledger: Path
) -> float:
    records = (
        {"clientId": ids[i % len(ids)], "email": f"{tag}-{i}@bench.example", "firstName": "B"}
        for i in range(rows)
    )
    summary = write_records(conn, WriteJob(template, results=ledger), records)
    if summary.error:
        raise SystemExit(f"{template}: {summary.error} rows failed: {summary.first_errors[:3]}")
    return summary.ok / summary.seconds


def measure(
    runs: int, bulk_rows: int, single_rows: int, latency_ms: float, concurrency: int, clients: int
) -> tuple[list[float], list[float]]:
    """records/s of bulk_create_contacts and of create_contact, one value per run each."""
    bulk: list[float] = []
    single: list[float] = []
    with (
        simulator_process(clients, latency_ms) as base_url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        ids = client_ids(base_url)
        settings = ConnectionSettings(
            base_url=base_url, api_key=API_KEY, max_concurrency=concurrency
        )
        with Connection(settings) as conn:
            for run in range(runs):
                order = ["bulk", "single"] if run % 2 == 0 else ["single", "bulk"]
                for kind in order:
                    ledger = Path(tmp) / f"{kind}-{run}.jsonl"
                    if kind == "bulk":
                        rate = one_run(conn, "bulk_create_contacts", bulk_rows, ids, f"b{run}",
                                       ledger)  # fmt: skip
                        bulk.append(rate)
                    else:
                        rate = one_run(conn, "create_contact", single_rows, ids, f"s{run}",
                                       ledger)  # fmt: skip
                        single.append(rate)
                    print(f"[writes] run {run + 1} {kind:>6}: {rate:,.0f} records/s", flush=True)
    return bulk, single


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bulk-rows", type=int, default=5000)
    ap.add_argument("--single-rows", type=int, default=1000)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--clients", type=int, default=50)
    args = ap.parse_args()
    if args.runs < 3:
        raise SystemExit("--runs must be at least 3 (medians of alternating runs)")

    bulk, single = measure(
        args.runs, args.bulk_rows, args.single_rows, args.latency_ms, args.concurrency,
        args.clients,
    )  # fmt: skip
    ratio = median(bulk) / median(single)
    command = " ".join(
        [".venv/bin/python", "-m", "bench.write_bulk_vs_single", *map(shlex.quote, sys.argv[1:])]
    )
    table = "\n".join(
        [
            "| template | rows per run | records/s per run | median records/s |",
            "|---|---|---|---|",
            f"| bulk_create_contacts (batches of 100) | {args.bulk_rows} | "
            f"{', '.join(f'{r:,.0f}' for r in bulk)} | **{median(bulk):,.0f}** |",
            f"| create_contact (one row per request, {args.concurrency} in flight) | "
            f"{args.single_rows} | {', '.join(f'{r:,.0f}' for r in single)} | "
            f"**{median(single):,.0f}** |",
        ]
    )
    print(table)
    print(f"bulk / single: {ratio:.1f}x")
    text = f"""# Bulk versus single-record writes

{table}

**Bulk is {ratio:.1f}x faster** (ratio of medians).

- Machine: {machine()}
- Simulator: its own process, {args.clients} clients, {args.latency_ms:g} ms added latency
  per request (0 = loopback only, the least favourable case for bulk: real API latency
  multiplies the gap).
- Both write with a results ledger (one fsync'd line per row, plus an intent line per POST),
  {args.concurrency} requests in flight, {args.runs} runs alternating which goes first.
- Reproduce: `{command}`
"""
    path = write_result("write_bulk_vs_single.md", text)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
