"""The contenders: how to run each one against a simulator, and how many records it landed.

A Tool builds its command for a fresh work directory and counts what it delivered afterwards:
rows in its DuckDB file (ours, dlt; an id there twice fails the count) or records read (the raw
loop, airbyte-cdk). bench/postgres_load.py has the PostgreSQL contenders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from bench.common import API_KEY, ROOT, Simulator
from bench.measure import Measured

BIN = ROOT / ".venv" / "bin"
RUNNERS = ROOT / "bench" / "runners"

# stream -> (simulator resource, search path, dlt/airbyte names)
STREAMS: dict[str, tuple[str, str]] = {
    "clients": ("clients", "client/search"),
    "contacts": ("contacts", "contact/search"),
    "contracts": ("contracts", "contract/search"),
    "pulses": ("pulses", "pulse/search"),
    "client_notes": ("client_notes", "clientNote/search"),
    "products": ("products", "product/search"),
}
AIRBYTE_STREAMS = {
    "Clients": "clients",
    "Contacts": "contacts",
    "Contracts": "contracts",
    "Products": "products",
    "Custom Fields": "custom_fields",
}

Command = tuple[list[str], dict[str, str]]


@dataclass
class Tool:
    """One contender in a comparison."""

    key: str
    label: str
    command: Callable[[Path], Command]
    count: Callable[[Path, Measured], int]
    expected: int  # records the simulator holds for what this tool reads


def _ours_env(sim: Simulator) -> dict[str, str]:
    return {"CLIENTSUCCESS_BASE_URL": sim.base, "CLIENTSUCCESS_API_KEY": API_KEY}


def _count_rows(con: Any, table: str) -> int:
    """Rows of `table`; raises when an id is there twice (a duplicated record)."""
    rows, ids = con.execute(f"SELECT count(*), count(DISTINCT id) FROM {table}").fetchone()
    if rows != ids:
        raise ValueError(f"{table}: {rows - ids} duplicated ids")
    return int(rows)


def _rows(db: Path, tables: Sequence[str], schema: str = "main") -> int:
    if not db.exists():
        return 0
    with duckdb.connect(str(db), read_only=True) as con:
        return sum(_count_rows(con, f'{schema}."{t}"') for t in tables)


def _reported(_: Path, measured: Measured) -> int:
    return int(measured.result.get("records", 0))


def pages_flow(work: Path, streams: Sequence[str]) -> Path:
    """A flow whose sources are manual endpoints paged by page number in the server's order,
    as dlt and the raw loop page."""
    lines = ["sources:"]
    for name in streams:
        lines += [
            f"  {name}:",
            f"    url: /{STREAMS[name][1]}",
            "    pagination: envelope",
            "    data_path: $.data[*]",
            "    primary_key: [id]",
        ]
    path = work / "pages-flow.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def ours(
    sim: Simulator,
    streams: Sequence[str],
    *,
    key: str = "ours",
    label: str = "ours",
    paged: bool = False,
    max_concurrency: int | None = None,
) -> Tool:
    """`clientsuccess-connector sync` of the given streams into a fresh DuckDB file.

    paged: read through manual endpoints paged by number instead of the default streams.
    max_concurrency: a flow file sets `connection: {max_concurrency: N}`.
    """

    def command(work: Path) -> Command:
        cmd = [str(BIN / "clientsuccess-connector"), "-q", "sync"]
        if paged:
            cmd += ["--flow", str(pages_flow(work, streams))]
        else:
            if max_concurrency is not None:
                flow = work / "flow.yaml"
                flow.write_text(f"connection:\n  max_concurrency: {max_concurrency}\n")
                cmd += ["--flow", str(flow)]
            for name in streams:
                cmd += ["--stream", name]
        cmd += ["--destination", f"duckdb:///{work / 'ours.duckdb'}"]
        return cmd, _ours_env(sim)

    def count(work: Path, _: Measured) -> int:
        return _rows(work / "ours.duckdb", streams)

    expected = sum(sim.count(STREAMS[s][0]) for s in streams)
    return Tool(key, label, command, count, expected)


def raw(sim: Simulator, stream: str, *, key: str = "raw", ordered: bool = False) -> Tool:
    """The raw limit: one httpx + orjson loop over the pages, records discarded.

    ordered: sorted ascending on modifiedTime; otherwise in the server's own order."""

    def command(_: Path) -> Command:
        path = "/" + STREAMS[stream][1]
        cmd = [str(BIN / "python"), str(RUNNERS / "raw_httpx.py"), sim.base, path]
        return cmd + (["--sorted"] if ordered else []), {}

    label = "raw limit (httpx + orjson loop" + (", sorted)" if ordered else ")")
    return Tool(key, label, command, _reported, sim.count(STREAMS[stream][0]))


def dlt(sim: Simulator, python: Path, streams: Sequence[str], key: str = "dlt") -> Tool:
    """dlt's rest_api source into DuckDB, merge on id (its own venv)."""

    def command(work: Path) -> Command:
        pairs = [f"{s}={STREAMS[s][1]}" for s in streams]
        cmd = [str(python), str(RUNNERS / "dlt_rest_api.py"), sim.base, str(work / "dlt.duckdb"),
               str(work / "dlt-pipelines"), *pairs]  # fmt: skip
        return cmd, {"CS_BENCH_API_KEY": API_KEY, "RUNTIME__DLTHUB_TELEMETRY": "false"}

    def count(work: Path, _: Measured) -> int:
        return _rows(work / "dlt.duckdb", streams, schema="cs")

    expected = sum(sim.count(STREAMS[s][0]) for s in streams)
    return Tool(key, "dlt rest_api -> DuckDB", command, count, expected)


def airbyte(
    sim: Simulator, python: Path, manifest: Path, streams: Sequence[str], key: str = "airbyte"
) -> Tool:
    """Airbyte's `manifest` run by airbyte-cdk, output discarded (its own venv)."""

    def command(work: Path) -> Command:
        cmd = [str(python), str(RUNNERS / "airbyte_manifest.py"), str(manifest), sim.root,
               str(work), *streams]  # fmt: skip
        return cmd, {}

    expected = sum(sim.count(AIRBYTE_STREAMS[s]) for s in streams)
    return Tool(key, "airbyte-cdk manifest (output discarded)", command, _reported, expected)
