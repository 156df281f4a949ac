"""What incremental runs cost once a destination is in sync: requests and records per stream.

    .venv/bin/python -m bench.incremental_cost                  # 300 clients, every stream
    .venv/bin/python -m bench.incremental_cost --clients 1000 --changes 500

Syncs every default stream into a new DuckDB file, runs a second sync with nothing changed on
the server (twice: the first of them may still learn the server's `modifiedAfter` precision),
then changes `--changes` records through the API (contact titles) and syncs again. For each run
it reports, per stream, the requests the simulator answered and the records the sync read. The
result goes to bench/results/incremental_cost.md.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.common import API_KEY, machine, simulator, sync_summary, write_result


def _by_route(root: str) -> dict[str, int]:
    body = httpx.get(f"{root}/_simulator/stats", timeout=30).json()
    return {route: sum(codes.values()) for route, codes in body["requests"].items()}


def _sync(base: str, database: Path) -> dict[str, dict[str, Any]]:
    """One sync of every default stream; its summary row per stream."""
    rows, _ = sync_summary(base, API_KEY, database, timeout=1800)
    return {row["stream"]: row for row in rows}


def _change(base: str, count: int) -> None:
    """Change `count` contacts' titles through the API (the server stamps them)."""
    with httpx.Client(base_url=base, headers={"X-API-Key": API_KEY}, timeout=30) as http:
        contacts = http.get("/contact/search", params={"page": 0, "size": count}).json()["data"]
        for serial, contact in enumerate(contacts):
            answer = http.patch(f"/contact/{contact['id']}", json={"title": f"Changed {serial}"})
            answer.raise_for_status()


def _table(title: str, rows: dict[str, dict[str, Any]]) -> str:
    lines = [f"### {title}\n", "| stream | requests | records read |", "|---|---:|---:|"]
    for stream, row in rows.items():
        lines.append(f"| {stream} | {row['requests']:,} | {row['records']:,} |")
    total_requests = sum(row["requests"] for row in rows.values())
    total_records = sum(row["records"] for row in rows.values())
    lines.append(f"| **all** | **{total_requests:,}** | **{total_records:,}** |\n")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args()
    runs: list[tuple[str, dict[str, dict[str, Any]]]] = []
    with simulator(args.clients) as sim, tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "cost.duckdb"
        runs.append(("first sync", _sync(sim.base, database)))
        runs.append(("no change", _sync(sim.base, database)))
        runs.append(("no change, again", _sync(sim.base, database)))
        _change(sim.base, args.changes)
        runs.append((f"after {args.changes} contacts changed", _sync(sim.base, database)))
    text = (
        "# Incremental runs: requests and records read\n\n"
        f"Machine: {machine()}. Simulator with {args.clients:,} clients. Command: `.venv/bin/"
        f"python -m bench.incremental_cost --clients {args.clients} --changes {args.changes}`"
        "\n\nRequests are the ones each stream's summary counts (retries included).\n\n"
        + "\n".join(_table(title, rows) for title, rows in runs)
    )
    print(text)
    write_result("incremental_cost.md", text)


if __name__ == "__main__":
    main()
