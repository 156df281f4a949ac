"""Every benchmark side by side in one run; writes docs/benchmarks.md and bench/results/.

    make bench                                   # everything (about 40 minutes on 2 busy cores)
    make bench BENCH_ARGS=--quick                # small data, one round, no 1M run (~8 min)
    .venv/bin/python -m bench.run_all --only throughput --cost-models scan --runs 3

Sections: throughput (no added latency, under the simulator's `indexed` and `scan` cost models:
ours against the raw loop, dlt and airbyte-cdk), latency (100 ms + jitter per request: six
streams, ours against max_concurrency 1 and the peers; a lookup fan-out), servers (our sync
under every named server profile: exact counts), postgres (ours against dlt into the same
PostgreSQL server), memory (peak RSS at 100k and 1M records), writes
(bulk against single-record templates), startup (`--help`), profiles (py-spy of our sync and of
the simulator). The simulator runs in its own process on loopback; the peers run in their own
venvs (.bench-venvs/, made by the first run).

The throughput and latency sections also run Airbyte's ClientSuccess connector, which is not
kept in this repository: pass `--airbyte-manifest PATH` (or set CS_BENCH_AIRBYTE_MANIFEST) to
the manifest.yaml of connector source-client-success in Airbyte's repository
(airbyte-integrations/connectors/source-client-success/manifest.yaml); without it airbyte-cdk
is left out. The postgres section needs a PostgreSQL server (--postgres-url).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

import psycopg

from bench import postgres_load, report, venvs
from bench.common import RESULTS, ROOT, airbyte_manifest, machine, simulator
from bench.fanout_concurrency import contract_ids, fan_out
from bench.measure import run_measured
from bench.profiling import import_times, record_command, record_pid, summarise
from bench.rounds import Series, alternate
from bench.tools import BIN, airbyte, dlt, ours, raw
from bench.write_bulk_vs_single import measure as measure_writes
from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.simulator.profile import PRESETS

SECTIONS = ("throughput", "latency", "servers", "postgres", "memory", "writes", "startup",
            "profiles")  # fmt: skip
COST_MODELS = ("indexed", "scan")
SERVER_STREAMS = ("client_notes", "pulses")
DEFAULT_STREAMS = ("clients", "contacts", "contracts", "pulses", "client_notes", "products")
AIRBYTE_ALL = ("Clients", "Contacts", "Contracts", "Products", "Custom Fields")
DEFAULT_CONCURRENCY = ConnectionSettings.__dataclass_fields__["max_concurrency"].default


_UNRECORDED = ("sections", "airbyte_manifest", "postgres_url")  # paths and URLs of this machine


def _series(found: dict[str, Series]) -> dict[str, Any]:
    return {key: s.to_json() for key, s in found.items()}


def throughput(args: argparse.Namespace, work: Path, py: dict[str, Path]) -> dict[str, Any]:
    """No added latency, under each cost model: client_notes into DuckDB; Contacts for airbyte."""
    out: dict[str, Any] = {}
    for cost in args.cost_models:
        clients = args.clients if cost == "indexed" else args.scan_clients
        print(f"[throughput] {cost}: simulator with {clients:,} clients", flush=True)
        with simulator(clients, query_cost=cost) as sim:
            tools = [
                raw(sim, "client_notes"),
                ours(sim, ["client_notes"], key="ours", label="ours: sync --stream client_notes"),
                ours(sim, ["client_notes"], key="ours_paged", paged=True,
                     label="ours: same endpoint as a flow source paged by number"),
                dlt(sim, py["dlt"], ["client_notes"]),
                ours(sim, ["contacts"], key="ours_contacts", label="ours: sync --stream contacts"),
            ]  # fmt: skip
            if args.airbyte_manifest:
                tools.insert(4, airbyte(sim, py["airbyte"], args.airbyte_manifest, ["Contacts"],
                                        key="airbyte_contacts"))  # fmt: skip
                # The ceiling of the airbyte comparison: reading Contacts and dropping them.
                tools.append(raw(sim, "contacts", key="raw_contacts"))
            warm = [raw(sim, "client_notes"), raw(sim, "contacts")]
            found = alternate(tools, args.runs, work / "throughput", f"throughput {cost}", warm)
            info = sim.info()
        out[cost] = {"clients": clients, "counts": info["counts"], "series": _series(found)}
    return out


def latency(args: argparse.Namespace, work: Path, py: dict[str, Path]) -> dict[str, Any]:
    """Latency and jitter on every request, under each cost model: the six default streams;
    and (under the first cost model) a lookup fan-out over the contracts."""
    out: dict[str, Any] = {
        "clients": args.latency_clients, "latency_ms": args.latency_ms,
        "jitter_ms": args.jitter_ms, "concurrency": DEFAULT_CONCURRENCY,
    }  # fmt: skip
    for cost in args.cost_models:
        with simulator(args.latency_clients, latency_ms=args.latency_ms,
                       jitter_ms=args.jitter_ms, query_cost=cost) as sim:  # fmt: skip
            tools = [
                ours(sim, DEFAULT_STREAMS, key="ours", label="ours: sync (six streams, defaults)"),
                ours(sim, DEFAULT_STREAMS, key="ours_sequential", max_concurrency=1,
                     label="ours: sync, max_concurrency 1"),
                dlt(sim, py["dlt"], DEFAULT_STREAMS),
            ]  # fmt: skip
            if args.airbyte_manifest:
                tools.append(airbyte(sim, py["airbyte"], args.airbyte_manifest, AIRBYTE_ALL))
            found = alternate(tools, args.runs, work / "latency", f"latency {cost}", tools[:1])
            out[cost] = _series(found)
            if cost == args.cost_models[0] and args.fanout_contracts:
                out["fanout"] = _fanout(args, sim)
    return out


def _fanout(args: argparse.Namespace, sim: Any) -> dict[str, Any]:
    """One request per contract through a LookupTable, default concurrency against 1."""
    ids = contract_ids(sim.base, min(args.fanout_contracts, sim.count("contracts")))
    timings: dict[str, list[float]] = {"ours": [], "ours_sequential": []}
    records = 0
    for r in range(args.fanout_runs):
        order = [("ours", DEFAULT_CONCURRENCY), ("ours_sequential", 1)]
        for key, concurrency in order if r % 2 == 0 else order[::-1]:
            seconds, records = fan_out(sim.base, ids, concurrency)
            timings[key].append(seconds)
            print(f"[fan-out] round {r + 1}/{args.fanout_runs} {key:<16} {seconds:7.2f} s "
                  f"{len(ids)} requests {records} records", flush=True)  # fmt: skip
    return {"contracts": len(ids), "records": records, "seconds": timings,
            "concurrency": DEFAULT_CONCURRENCY,
            "median_seconds": {k: median(v) for k, v in timings.items()}}  # fmt: skip


def servers(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Our default sync of two streams under every named server profile of the simulator:
    every record must land exactly once, however the server compares and sorts."""
    out: dict[str, Any] = {"clients": args.server_clients, "streams": list(SERVER_STREAMS)}
    for name, preset in PRESETS.items():
        settings = preset.describe()
        with simulator(args.server_clients, profile=settings) as sim:
            tool = ours(sim, SERVER_STREAMS, label=f"ours: sync under `{name}`")
            found = alternate([tool], args.server_runs, work / "servers", f"servers {name}")
        out[name] = {"profile": settings, "series": _series(found)}
    return out


def postgres(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """client_notes into the same PostgreSQL server: ours against dlt (bench/postgres_load.py)."""
    found = postgres_load.measure(
        args.pg_clients, args.runs, "client_notes", args.postgres_url, work / "postgres"
    )
    records = found["ours_postgres"].expected
    return {"clients": args.pg_clients, "records": records, "series": _series(found),
            "server": _pg_version(args.postgres_url)}  # fmt: skip


def _pg_version(url: str) -> str:
    with psycopg.connect(url) as con:
        row = con.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


def memory(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Peak RSS of our default sync at ~100k and ~1M client notes (dlt's is in throughput)."""
    out: dict[str, Any] = {}
    sizes = [("100k", args.mem_small_clients)]
    if args.mem_big_clients:
        sizes.append(("1M", args.mem_big_clients))
    for name, clients in sizes:
        print(f"[memory] starting a simulator with {clients:,} clients ...", flush=True)
        with simulator(clients, start_timeout=1200) as sim:
            tools = [ours(sim, ["client_notes"], label="ours: sync --stream client_notes")]
            found = alternate(tools, args.mem_runs, work / f"memory-{name}", f"memory {name}")
            out[name] = {
                "clients": clients, "records": sim.count("client_notes"),
                "startup_seconds": sim.startup_seconds, "series": _series(found),
            }  # fmt: skip
    return out


def writes(args: argparse.Namespace) -> dict[str, Any]:
    """bulk_create_contacts against create_contact (bench/write_bulk_vs_single.py)."""
    bulk, single = measure_writes(max(3, args.runs), 5000, 1000, 0.0, 4, 50)
    return {"bulk": bulk, "single": single, "median_bulk": median(bulk),
            "median_single": median(single), "bulk_rows": 5000, "single_rows": 1000,
            "concurrency": 4}  # fmt: skip


def startup(args: argparse.Namespace, py: dict[str, Path]) -> dict[str, Any]:
    """Wall time of `--help`: ours, and the peers' command-line entry points for context."""
    commands = {
        "ours": [str(BIN / "clientsuccess-connector"), "--help"],
        "dlt": [str(py["dlt"].parent / "dlt"), "--help"],
        "airbyte": [str(py["airbyte"].parent / "source-declarative-manifest"), "--help"],
    }
    out: dict[str, Any] = {}
    for key, cmd in commands.items():
        if not Path(cmd[0]).exists():
            continue
        run_measured(cmd)  # warm the page cache
        times = [run_measured(cmd).seconds for _ in range(args.startup_runs)]
        out[key] = {"command": " ".join(Path(cmd[0]).name if i == 0 else c
                                        for i, c in enumerate(cmd)),
                    "seconds": times, "median": median(times)}  # fmt: skip
        print(f"[startup] {key:<8} median {median(times):.3f} s", flush=True)
    return out


def profiles(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """py-spy: our default sync (whole run, indexed), and the simulator while our default sync
    runs under the scan cost model (where the server's time goes)."""
    out: dict[str, Any] = {}
    work.mkdir(parents=True, exist_ok=True)
    with simulator(args.clients) as sim:
        cmd, env = ours(sim, ["client_notes"]).command(_fresh(work / "profile-ours"))
        folded = work / "ours_default.folded"
        record_command(cmd, folded, {**_environ(), **env}, work / "profile-ours", gil_only=True)
        if folded.exists():
            out["ours_default"] = summarise(folded)
    if "scan" in args.cost_models:
        with simulator(args.scan_clients, query_cost="scan") as sim:
            run_dir = _fresh(work / "profile-scan")
            cmd, env = ours(sim, ["client_notes"]).command(run_dir)
            folded = work / "simulator_scan.folded"
            spy = record_pid(sim.pid, args.profile_seconds, folded)
            time.sleep(1)  # py-spy attached before the first request
            quiet = subprocess.DEVNULL
            proc = subprocess.Popen(
                cmd, env={**_environ(), **env}, cwd=run_dir, stdout=quiet, stderr=quiet
            )
            spy.wait(timeout=args.profile_seconds + 60)
            proc.terminate()
            proc.wait(timeout=60)
            if folded.exists():
                out["simulator_scan"] = summarise(folded)
    out["help_imports"] = import_times("clientsuccess_connector.cli", BIN / "python")
    for name, text in out.items():
        (RESULTS / f"profile_{name}.txt").write_text(text)
    return out


def _fresh(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _load() -> str:
    """The 1, 5 and 15 minute load averages: how busy the shared machine was."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _environ() -> dict[str, str]:
    return dict(os.environ)


def versions(py: dict[str, Path]) -> dict[str, str]:
    """Versions of everything measured."""
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for package in ("clientsuccess-connector", "httpx", "orjson", "duckdb"):
        out[package] = md.version(package)
    if "dlt" in py:
        out["dlt"] = venvs.version(py["dlt"], "dlt")
        out["duckdb (dlt venv)"] = venvs.version(py["dlt"], "duckdb")
    if "airbyte" in py:
        out["airbyte-cdk"] = venvs.version(py["airbyte"], "airbyte-cdk")
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line flags; --quick shrinks every data set."""
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help=f"comma-separated sections to run: {','.join(SECTIONS)}")  # fmt: skip
    ap.add_argument("--runs", type=int, default=3, help="alternating rounds (medians)")
    ap.add_argument("--quick", action="store_true", help="small data, no 1M run, 1 round")
    ap.add_argument("--cost-models", default=",".join(COST_MODELS),
                    help="simulator query cost models to measure under (indexed,scan)")  # fmt: skip
    ap.add_argument("--clients", type=int, default=5_000,
                    help="simulator size for throughput (indexed) and postgres")  # fmt: skip
    ap.add_argument("--scan-clients", type=int, default=2_000,
                    help="simulator size for throughput under the scan cost model")  # fmt: skip
    ap.add_argument("--latency-ms", type=float, default=100)
    ap.add_argument("--jitter-ms", type=float, default=20, help="random extra latency, up to")
    ap.add_argument("--latency-clients", type=int, default=300)
    ap.add_argument("--fanout-contracts", type=int, default=0,
                    help="latency: also a lookup fan-out over N contracts")  # fmt: skip
    ap.add_argument("--fanout-runs", type=int, default=1)
    ap.add_argument("--server-clients", type=int, default=2_000, help="servers section size")
    ap.add_argument("--server-runs", type=int, default=1, help="servers section: runs each")
    ap.add_argument("--pg-clients", type=int, default=3_000, help="postgres section size")
    ap.add_argument("--postgres-url", default=postgres_load.DEFAULT_URL,
                    help="PostgreSQL server for the postgres section, a fresh schema per run "
                         "(default $CS_TEST_POSTGRES_URL or %(default)s)")  # fmt: skip
    ap.add_argument("--mem-small-clients", type=int, default=12_700, help="~100k notes")
    ap.add_argument("--mem-big-clients", type=int, default=126_500, help="~1M notes; 0 skips")
    ap.add_argument("--mem-runs", type=int, default=1)
    ap.add_argument("--startup-runs", type=int, default=9)
    ap.add_argument("--profile-seconds", type=float, default=15)
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    ap.add_argument("--render", action="store_true",
                    help="measure nothing: rewrite docs/benchmarks.md from the saved results "
                         "(after editing bench/findings.md)")  # fmt: skip
    ap.add_argument("--airbyte-manifest",
                    help="Airbyte's source-client-success manifest.yaml "
                         "(default: $CS_BENCH_AIRBYTE_MANIFEST)")  # fmt: skip
    args = ap.parse_args(argv)
    args.sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {SECTIONS}")
    args.cost_models = [c.strip() for c in args.cost_models.split(",") if c.strip()]
    if not args.cost_models or set(args.cost_models) - set(COST_MODELS):
        ap.error(f"--cost-models takes a comma-separated list of {','.join(COST_MODELS)}")
    if {"throughput", "latency"} & set(args.sections) and not args.render:
        try:
            args.airbyte_manifest = airbyte_manifest(args.airbyte_manifest)
        except SystemExit as exc:
            print(f"[bench] airbyte-cdk is left out: {exc}", flush=True)
            args.airbyte_manifest = None
    if args.quick:
        args.runs = 1 if "--runs" not in sys.argv else args.runs
        args.clients, args.scan_clients, args.pg_clients, args.server_clients = (
            2000,
            1000,
            2000,
            500,
        )
        args.mem_small_clients, args.mem_big_clients = 2000, 0
        args.latency_clients, args.startup_runs = 100, 5
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the selected sections, save JSON, write the markdown report."""
    args = parse_args(argv)
    if args.render:
        _write_doc(json.loads((RESULTS / "run_all.json").read_text()))
        return
    started = time.monotonic()
    py: dict[str, Path] = {}
    if {"throughput", "latency", "postgres", "memory", "startup"} & set(args.sections):
        py = {"dlt": venvs.ensure("dlt"), "airbyte": venvs.ensure("airbyte")}
    results: dict[str, Any] = {
        "machine": machine(),
        "load_at_start": _load(),
        "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "make bench (= "
        + shlex.join(
            [
                ".venv/bin/python",
                "-m",
                "bench.run_all",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        )
        + ")",
        "args": {k: v for k, v in vars(args).items() if k not in _UNRECORDED},
        "versions": versions(py),
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "run_all.json"
    full = set(args.sections) == set(SECTIONS)
    merged = {} if full or not path.exists() else json.loads(path.read_text())
    if full or not merged:
        merged.update(results)
    else:  # a partial run replaces its sections and says so; the full run's header stays
        merged.setdefault("reruns", []).append(
            {
                "command": results["command"],
                "started": results["started"],
                "sections": args.sections,
            }
        )
    with tempfile.TemporaryDirectory(prefix="cs-bench-") as tmp:
        work = Path(tmp)
        for section in args.sections:
            t0 = time.monotonic()
            print(f"== {section} ==", flush=True)
            part = _run_section(section, args, work, py)
            part["measured_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
            part["section_seconds"] = time.monotonic() - t0
            part["command"], part["load_at_end"] = results["command"], _load()
            merged[section] = part
            if full:
                merged["duration_seconds"] = time.monotonic() - started
                merged["load_at_end"] = _load()
            path.write_text(json.dumps(merged, indent=2) + "\n")  # kept if a later section fails
            print(f"== {section} done in {time.monotonic() - t0:.0f} s ==", flush=True)
    print(f"results: {path}")
    if not args.no_doc:
        _write_doc(merged)


def _run_section(
    section: str, args: argparse.Namespace, work: Path, py: dict[str, Path]
) -> dict[str, Any]:
    """Measure one section."""
    if section == "throughput":
        return throughput(args, work, py)
    if section == "latency":
        return latency(args, work, py)
    if section == "servers":
        return servers(args, work)
    if section == "postgres":
        return postgres(args, work)
    if section == "memory":
        return memory(args, work)
    if section == "writes":
        return writes(args)
    if section == "startup":
        return startup(args, py)
    return profiles(args, work / "profiles")


def _write_doc(results: dict[str, Any]) -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    doc.write_text(report.render(results))
    print(f"report:  {doc}")


if __name__ == "__main__":
    main()
