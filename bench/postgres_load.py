"""PostgreSQL load speed: our sync against dlt's rest_api + postgres destination, same stream,
same server, alternating runs.

Usage:
    .venv/bin/python -m bench.postgres_load [--clients 12700] [--runs 3]
        [--stream client_notes] [--postgres-url postgresql://postgres@127.0.0.1:5432/test]

The simulator runs in its own process with no added latency; both tools read the whole stream
and merge it on `id` into a fresh schema of the same database (dropped after each run). dlt
runs in its own venv (.bench-venvs/dlt, from bench/requirements-dlt.txt). Prints each run,
writes bench/results/postgres_load.md and returns the series for `run_all`.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import venvs
from bench.common import API_KEY, machine, simulator, write_result
from bench.measure import Measured
from bench.rounds import Series, alternate
from bench.tools import BIN, RUNNERS, STREAMS, Tool

DEFAULT_URL = os.environ.get("CS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _schema(work: Path) -> str:
    """A schema name of its own for each run (the work directory's name)."""
    return "bench_" + re.sub(r"\W", "_", work.name).lower()


def _drop(url: str, *schemas: str) -> None:
    with psycopg.connect(url, autocommit=True) as con:
        for schema in schemas:
            con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _count_and_drop(url: str, schema: str, table: str, *extra: str) -> int:
    """Rows of `schema.table`, then the run's schemas are dropped."""
    try:
        with psycopg.connect(url) as con:
            row = con.execute(
                sql.SQL("SELECT count(*) FROM {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            ).fetchone()
        return int(row[0]) if row else 0
    finally:
        _drop(url, schema, *extra)


def ours_postgres(base: str, url: str, stream: str, expected: int) -> Tool:
    """`clientsuccess-connector sync --stream STREAM` into a fresh PostgreSQL schema."""

    def command(work: Path) -> tuple[list[str], dict[str, str]]:
        _drop(url, _schema(work))
        destination = f"{url}{'&' if '?' in url else '?'}schema={_schema(work)}"
        cmd = [str(BIN / "clientsuccess-connector"), "-q", "sync", "--stream", stream,
               "--destination", destination]  # fmt: skip
        return cmd, {"CLIENTSUCCESS_BASE_URL": base, "CLIENTSUCCESS_API_KEY": API_KEY}

    def count(work: Path, _: Measured) -> int:
        return _count_and_drop(url, _schema(work), stream)

    return Tool("ours_postgres", f"ours: sync --stream {stream} -> PostgreSQL", command, count,
                expected)  # fmt: skip


def dlt_postgres(base: str, url: str, stream: str, expected: int, python: Path) -> Tool:
    """dlt's rest_api source (paged by number, merge on id) into dlt's postgres destination."""

    def command(work: Path) -> tuple[list[str], dict[str, str]]:
        schema = _schema(work)
        _drop(url, schema, f"{schema}_staging")
        cmd = [str(python), str(RUNNERS / "dlt_rest_api.py"), base, url,
               str(work / "dlt-pipelines"), f"{stream}={STREAMS[stream][1]}"]  # fmt: skip
        env = {"CS_BENCH_API_KEY": API_KEY, "RUNTIME__DLTHUB_TELEMETRY": "false",
               "CS_BENCH_DLT_DATASET": schema}  # fmt: skip
        return cmd, env

    def count(work: Path, _: Measured) -> int:
        schema = _schema(work)
        return _count_and_drop(url, schema, stream, f"{schema}_staging")

    return Tool("dlt_postgres", "dlt rest_api -> postgres destination", command, count, expected)


def measure(clients: int, runs: int, stream: str, url: str, work: Path) -> dict[str, Series]:
    """Alternating runs of ours and dlt into PostgreSQL; the series by tool key."""
    python = venvs.ensure("dlt")
    with simulator(clients) as sim:
        expected = sim.count(STREAMS[stream][0])
        tools = [
            ours_postgres(sim.base, url, stream, expected),
            dlt_postgres(sim.base, url, stream, expected, python),
        ]
        return alternate(tools, runs, work, "postgres", warmup=tools[:1])


def report(series: dict[str, Series], clients: int, stream: str, command: str) -> str:
    """The results as Markdown."""
    ours, dlt = series["ours_postgres"], series["dlt_postgres"]
    lines = [
        "# PostgreSQL load: ours against dlt",
        "",
        "| tool | records | records/s per run | median records/s | median peak RSS |",
        "|---|---|---|---|---|",
    ]
    for s in (ours, dlt):
        per_run = ", ".join(f"{r.records_per_second:,.0f}" for r in s.runs)
        lines.append(
            f"| {s.label} | {s.expected:,} | {per_run} | **{s.rps:,.0f}** | {s.rss:.0f} MB |"
        )
    ratio = ours.rps / dlt.rps if dlt.rps else 0.0
    lines += [
        "",
        f"**Ours is {ratio:.1f}x dlt** (ratio of medians; wall time from process start, "
        "imports included).",
        "",
        f"- Machine: {machine()}",
        f"- Simulator: its own process, {clients:,} clients, no added latency; stream "
        f"`{stream}` merged on `id` into a fresh schema of the same PostgreSQL database.",
        "- dlt: rest_api paged by number (100 per page), write_disposition merge, postgres "
        "destination defaults.",
        f"- Reproduce: `{command}`",
    ]
    return "\n".join(lines) + "\n"


def main() -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=12_700, help="~100k client notes")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--stream", default="client_notes", choices=sorted(STREAMS))
    ap.add_argument("--postgres-url", default=DEFAULT_URL)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        series = measure(args.clients, args.runs, args.stream, args.postgres_url, Path(tmp))
    command = ".venv/bin/python -m bench.postgres_load " + shlex.join(sys.argv[1:])
    text = report(series, args.clients, args.stream, command.strip())
    write_result("postgres_load.md", text)
    print(text)
    return {key: s.to_json() for key, s in series.items()}


if __name__ == "__main__":
    main()
