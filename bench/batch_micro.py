"""Per-batch cost of the sink path: `prepare_batch` and `write_batch` on one realistic batch.

Usage:
    .venv/bin/python -m bench.batch_micro [--records 5000] [--repeat 15] [--base-url URL]
        [--postgres-url postgresql://postgres@127.0.0.1:5432/test] [--only-prepare]

Fetches `--records` client notes (narrow, flat) and contacts (wide, nested) from a simulator
(started in its own process unless `--base-url` names one), parses the pages as the reader
does, then times, per stream, the median and best of `--repeat` runs of:

- `prepare`: `prepare_batch` against an empty schema (dicts -> typed Arrow columns);
- `duckdb`: `DuckDBSink.write_batch` of the batch into a fresh in-memory database;
- `duckdb merge`: the same batch written again (every key already stored);
- `postgres` (a new table per run), `postgres append` (new keys into one table) and
  `postgres merge` (every key stored), with `--postgres-url`, into a fresh schema.

Run it against two checkouts (PYTHONPATH=<checkout>/src) to compare, alternating.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from bench.common import API_KEY, simulator_process
from clientsuccess_connector.extract.document import parse_json
from clientsuccess_connector.sinks.batch import prepare_batch
from clientsuccess_connector.sinks.duckdb_sink import DuckDBSink
from clientsuccess_connector.sinks.stream_schema import StreamSchema

PATHS = {"client_notes": "/clientNote/search", "contacts": "/contact/search"}
PAGE = 100


def fetch(base_url: str, path: str, records: int) -> list[dict[str, Any]]:
    """`records` records, page by page, parsed the way the reader parses them."""
    out: list[dict[str, Any]] = []
    with httpx.Client(headers={"X-API-Key": API_KEY}, timeout=30) as client:
        page = 0
        while len(out) < records:
            response = client.get(f"{base_url}{path}", params={"page": page, "size": PAGE})
            response.raise_for_status()
            data = parse_json(response.content)["data"]
            if not data:
                break
            out.extend(data)
            page += 1
    return out[:records]


def timed(action: Callable[[], Any], repeat: int, setup: Callable[[], Any] | None = None) -> str:
    """Median and best wall time of `repeat` runs of `action`, and their median CPU time (this
    process, DuckDB's threads included), in ms; `setup` runs untimed before each."""
    times, cpu = [], []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return (
        f"wall median {statistics.median(times):6.1f} ms, best {min(times):6.1f} ms; "
        f"CPU median {statistics.median(cpu):6.1f} ms"
    )


@contextmanager
def postgres_sink(url: str) -> Iterator[Any]:
    from clientsuccess_connector.sinks.postgres_sink import PostgresSink

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    sink = PostgresSink(url, url, schema=schema)
    try:
        yield sink
    finally:
        sink._con.rollback()
        sink._con.execute(f"DROP SCHEMA {schema} CASCADE")
        sink._con.commit()
        sink.close()


def measure(
    name: str,
    records: list[dict[str, Any]],
    repeat: int,
    pg_url: str | None,
    only_prepare: bool = False,
) -> None:
    print(f"{name}: {len(records)} records, {len(set().union(*records))} keys")

    def prepare() -> None:
        prepare_batch(StreamSchema(), records, ["id"], name)

    print(f"  prepare         {timed(prepare, repeat)}")
    if only_prepare:
        return
    holder: dict[str, Any] = {}

    def fresh_duckdb() -> None:
        if "sink" in holder:
            holder["sink"].close()
        holder["sink"] = DuckDBSink(":memory:", "duckdb:///:memory:")

    def write() -> None:
        holder["sink"].write_batch(name, records, ["id"])

    print(f"  duckdb          {timed(write, repeat, fresh_duckdb)}")
    print(f"  duckdb merge    {timed(write, repeat)}")
    holder["sink"].close()
    if pg_url:
        with postgres_sink(pg_url) as sink:
            counter = iter(range(10**6))

            def write_pg_new() -> None:
                sink.write_batch(f"{name}_{next(counter)}", records, ["id"])

            print(f"  postgres        {timed(write_pg_new, repeat)}")

            shifted: list[list[dict[str, Any]]] = []

            def next_keys() -> None:  # a batch of keys not stored yet, made untimed
                offset = (len(shifted) + 1) * 10**9
                shifted.append([{**r, "id": r["id"] + offset} for r in records])

            def write_pg_append() -> None:
                sink.write_batch(f"{name}_append", shifted[-1], ["id"])

            print(f"  postgres append {timed(write_pg_append, repeat, next_keys)}")

            def write_pg() -> None:
                sink.write_batch(name, records, ["id"])

            write_pg()
            print(f"  postgres merge  {timed(write_pg, repeat)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--base-url", help="a running simulator's /api/v1 URL")
    parser.add_argument("--postgres-url")
    parser.add_argument("--only-prepare", action="store_true", help="time prepare_batch alone")
    args = parser.parse_args()
    with simulator_process(5000) if args.base_url is None else _given(args.base_url) as base_url:
        batches = {name: fetch(base_url, path, args.records) for name, path in PATHS.items()}
    for name, records in batches.items():
        measure(name, records, args.repeat, args.postgres_url, args.only_prepare)


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


if __name__ == "__main__":
    main()
