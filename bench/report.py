"""docs/benchmarks.md from the results of bench.run_all: a summary of the headline figures,
then one table per section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FINDINGS = Path(__file__).resolve().parent / "findings.md"
"""Hand-written analysis of the latest full run, included verbatim under Findings."""


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _ratio(a: float, b: float) -> float:
    return a / b if a and b else 0.0


def _runs(series: dict[str, Any]) -> str:
    return ", ".join(_n(r["records_per_second"]) for r in series["runs"])


def _failures(series: dict[str, Any]) -> list[str]:
    return [r["note"] for r in series["runs"] if r.get("note")]


def summary(res: dict[str, Any]) -> list[tuple[str, str]]:
    """(what was measured, figure) rows: the headline ratios and sizes of the run."""
    rows: list[tuple[str, str]] = []
    th = res.get("throughput", {}).get("series")
    if th:
        for ours_key, label in (("ours", "ours"), ("ours_paged", "ours paged by number")):
            if ours_key not in th:
                continue
            o = th[ours_key]["median_records_per_second"]
            contacts_key = "ours_contacts" if ours_key == "ours" else "ours_contacts_paged"
            oc = th.get(contacts_key, {}).get("median_records_per_second", 0.0)
            d = th.get("dlt", {}).get("median_records_per_second", 0.0)
            a = th.get("airbyte_contacts", {}).get("median_records_per_second", 0.0)
            r = th.get("raw", {}).get("median_records_per_second", 0.0)
            if d:
                rows.append((f"{label} / dlt rest_api (records/s, client_notes)",
                             f"{_ratio(o, d):.1f}x"))  # fmt: skip
            if a and oc:
                rows.append((f"{label} / airbyte-cdk (records/s, contacts)",
                             f"{_ratio(oc, a):.1f}x"))  # fmt: skip
            if r:
                rows.append((f"{label} writing to DuckDB / the raw read loop (records/s)",
                             f"{100 * _ratio(o, r):.0f}%"))  # fmt: skip
    mem = res.get("memory", {})
    key = _memory_key(mem)
    small = mem.get("100k", {}).get("series", {}).get(key, {}).get("median_peak_rss_mb")
    big = mem.get("1M", {}).get("series", {}).get(key, {}).get("median_peak_rss_mb")
    if big:
        rows.append(("peak RSS of a sync of 1,000,000 records", f"{_n(big)} MB"))
        if small:
            rows.append(("peak RSS at 1M records / at 100k records", f"{_ratio(big, small):.2f}x"))
    start = res.get("startup", {}).get("ours")
    if start:
        rows.append(("`clientsuccess-connector --help`, wall time", f"{start['median']:.3f} s"))
    return rows


def _throughput(res: dict[str, Any]) -> list[str]:
    th = res["throughput"]
    s = th["series"]
    counts = th["counts"]
    out = [
        "## 1. Throughput, no added latency",
        "",
        f"Simulator: {th['clients']:,} clients ({counts['client_notes']:,} client notes, "
        f"{counts['contacts']:,} contacts), loopback, no added latency. Page size 100 "
        "everywhere. records/s = records delivered (rows in DuckDB for ours and dlt, records "
        "read for the raw loop and airbyte-cdk) / wall time of the whole process. "
        f"Rounds alternate (order rotated each round); medians of {len(s['raw']['runs'])}.",
        "",
        "| tool | stream | records | median s | median records/s | ours / tool | "
        "ours paged / tool | peak RSS MB | records/s per run |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    ours = s["ours"]["median_records_per_second"]
    paged = s.get("ours_paged", {}).get("median_records_per_second", 0.0)
    ours_c = s.get("ours_contacts", {}).get("median_records_per_second", 0.0)
    paged_c = s.get("ours_contacts_paged", {}).get("median_records_per_second", 0.0)
    stream = {"airbyte_contacts": "contacts", "ours_contacts": "contacts",
              "ours_contacts_paged": "contacts"}  # fmt: skip
    for key, ser in s.items():
        rps = ser["median_records_per_second"]
        contacts = stream.get(key) == "contacts"
        mine, mine_paged = (ours_c, paged_c) if contacts else (ours, paged)
        vs = f"{_ratio(mine, rps):.2f}x" if not key.startswith("ours") else ""
        vs_p = f"{_ratio(mine_paged, rps):.2f}x" if not key.startswith("ours") else ""
        out.append(
            f"| {ser['label']} | {stream.get(key, 'client_notes')} | {_n(ser['expected'])} | "
            f"{ser['median_seconds']:.2f} | **{_n(rps)}** | {vs} | {vs_p} | "
            f"{_n(ser['median_peak_rss_mb'])} | {_runs(ser)} |"
        )
    for key, ser in s.items():
        for note in _failures(ser):
            out.append(f"\n- {key}: {note}")
    out += [
        "",
        "- *ours* is the default command a user runs: incremental streams page by **keyset** "
        "(`sortBy=modifiedTime&modifiedAfter=<newest seen - 1 ms>` per page), in up to "
        "`max_concurrency` (4) concurrent time windows (see [syncing.md](syncing.md)). "
        "*ours paged* reads the same endpoint through a flow-file "
        "manual source with page numbers, exactly as dlt, airbyte-cdk and the raw loop page; "
        "the connector code path (reader, prefetch, DuckDB sink, merge) is otherwise the same.",
        "- The raw limit is one sequential httpx + orjson loop (`bench/runners/raw_httpx.py`), "
        "records parsed and dropped; ours reads pages concurrently and can beat it.",
        "- airbyte-cdk has no client_notes stream, so it is compared on Contacts against ours "
        "on contacts.",
        "",
    ]
    return out


def _latency(res: dict[str, Any]) -> list[str]:
    lat = res["latency"]
    s = lat["multi"]
    out = [
        f"## 2. Latency-bound: {lat['latency_ms']:g} ms added to every request",
        "",
        f"### Multi-stream sync ({lat['clients']:,} clients)",
        "",
        "ours and dlt: the six default streams (clients, contacts, contracts, pulses, "
        "client_notes, products) into DuckDB; airbyte-cdk: its five streams (Clients, Contacts, "
        "Contracts, Products, Custom Fields), output discarded. Defaults everywhere except "
        "*max_concurrency 1* (a flow file with `connection: {max_concurrency: 1}`).",
        "",
        "| tool | records | median s | median records/s | ours / tool | peak RSS MB | "
        "records/s per run |",
        "|---|---|---|---|---|---|---|",
    ]
    ours = s["ours"]["median_records_per_second"]
    for key, ser in s.items():
        rps = ser["median_records_per_second"]
        vs = "" if key == "ours" else f"{_ratio(ours, rps):.2f}x"
        out.append(
            f"| {ser['label']} | {_n(ser['expected'])} | {ser['median_seconds']:.2f} | "
            f"**{_n(rps)}** | {vs} | {_n(ser['median_peak_rss_mb'])} | {_runs(ser)} |"
        )
    for key, ser in s.items():
        for note in _failures(ser):
            out.append(f"\n- {key}: {note}")
    fan = lat.get("fanout")
    if fan:
        med = fan["median_seconds"]
        out += [
            "",
            f"### Lookup fan-out ({fan['contracts']:,} contracts, one request each)",
            "",
            "`search_contract_notes` with `contractId: {contracts.id}` through the library "
            "(Reader with a LookupTable, as `bench/fanout_concurrency.py`), records streamed.",
            "",
            "| setting | median s | requests/s | speed-up | seconds per run |",
            "|---|---|---|---|---|",
            f"| ours, default (max_concurrency {fan.get('concurrency', 4)}) | "
            f"{med['ours']:.2f} | {fan['contracts'] / med['ours']:.0f} | "
            f"**{_ratio(med['ours_sequential'], med['ours']):.1f}x** | "
            f"{', '.join(f'{x:.2f}' for x in fan['seconds']['ours'])} |",
            f"| ours, max_concurrency 1 | {med['ours_sequential']:.2f} | "
            f"{fan['contracts'] / med['ours_sequential']:.0f} | 1.0x | "
            f"{', '.join(f'{x:.2f}' for x in fan['seconds']['ours_sequential'])} |",
        ]
    out.append("")
    return out


def _memory_key(mem: dict[str, Any]) -> str:
    """The series the memory summary reports: the default sync when it was measured."""
    return (
        "ours" if "ours" in mem.get("1M", mem.get("100k", {})).get("series", {}) else "ours_paged"
    )


def _memory(res: dict[str, Any]) -> list[str]:
    mem = res["memory"]
    key = _memory_key(mem)
    out = [
        "## 3. Memory: peak RSS",
        "",
        "client_notes synced into DuckDB from a simulator seeded for about 100,000 and "
        "1,000,000 notes: the default sync (keyset windows) and the same endpoint paged by number "
        "through a flow source; the summary reports the default sync. Peak RSS of the "
        "process (`ru_maxrss` from `os.wait4`), the same method for every tool.",
        "",
        "| tool | records | seconds | records/s | peak RSS MB |",
        "|---|---|---|---|---|",
    ]
    for name in ("100k", "1M"):
        part = mem.get(name)
        if not part:
            continue
        for ser in part["series"].values():
            out.append(
                f"| {ser['label']} ({name}) | {_n(part['records'])} | "
                f"{ser['median_seconds']:.1f} | {_n(ser['median_records_per_second'])} | "
                f"**{_n(ser['median_peak_rss_mb'])}** |"
            )
    small = mem.get("100k", {}).get("series", {})
    big = mem.get("1M", {}).get("series", {})
    if key in small and "dlt" in small:
        o, d = small[key]["median_peak_rss_mb"], small["dlt"]["median_peak_rss_mb"]
        out.append(f"\nAt 100k ours uses {_ratio(d, o):.1f}x less memory than dlt.")
    if key in small and key in big:
        x = _ratio(big[key]["median_peak_rss_mb"], small[key]["median_peak_rss_mb"])
        out.append(f"\nours 1M / 100k: {x:.2f}x.")
    out.append("")
    return out


def _writes(res: dict[str, Any]) -> list[str]:
    w = res["writes"]
    ratio = _ratio(w["median_bulk"], w["median_single"])
    return [
        "## 4. Writes: bulk against single-record templates",
        "",
        "| template | rows per run | median records/s | records/s per run |",
        "|---|---|---|---|",
        f"| bulk_create_contacts (batches of 100) | {w['bulk_rows']:,} | "
        f"**{_n(w['median_bulk'])}** | {', '.join(_n(x) for x in w['bulk'])} |",
        f"| create_contact ({w['concurrency']} in flight) | {w['single_rows']:,} | "
        f"**{_n(w['median_single'])}** | {', '.join(_n(x) for x in w['single'])} |",
        "",
        f"Bulk / single: **{ratio:.1f}x** (alternating runs, results ledger on, no added "
        "latency: real API latency widens the gap).",
        "",
    ]


def _startup(res: dict[str, Any]) -> list[str]:
    out = ["## 5. Startup", "", "| command | median s | runs |", "|---|---|---|"]
    for key, item in res["startup"].items():
        if not isinstance(item, dict):
            continue
        label = "ours" if key == "ours" else f"{key} (context)"
        out.append(f"| `{item['command']}` ({label}) | **{item['median']:.3f}** | "
                   f"{len(item['seconds'])} |")  # fmt: skip
    out.append("")
    return out


def _profiles(res: dict[str, Any]) -> list[str]:
    prof = {k: v for k, v in res.get("profiles", {}).items() if isinstance(v, str)}
    if not prof:
        return []
    out = ["## Profiles (py-spy, 200 Hz)", ""]
    titles = {
        "ours_paged": "Our sync, paged by number, whole run (samples of the thread holding "
        "the GIL: where our Python CPU time goes)",
        "simulator_during_default_sync": "The simulator while our default (keyset) sync runs",
        "help_imports": "`clientsuccess-connector --help`: import time (`python -X importtime`)",
    }
    for key, text in prof.items():
        lines = text.splitlines()
        out += [f"### {titles.get(key, key)}", "", "```", *lines[:40], "```", ""]
    return out


def render(res: dict[str, Any]) -> str:
    """The whole markdown document."""
    out = [
        "# Benchmarks",
        "",
        "<!-- generated by `make bench` (bench/run_all.py); do not edit by hand -->",
        "",
        "Ours against the raw limit and the peers (dlt's rest_api source, Airbyte's manifest "
        "run by airbyte-cdk), side by side on the same simulator in one run.",
        "",
        f"- Command: `{res['command']}`",
        f"- Run: {res['started']}, {res.get('duration_seconds', 0) / 60:.0f} minutes",
        f"- Machine: {res['machine']} (shared with other work: figures are medians of "
        "alternating runs)",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in res.get("versions", {}).items()),
        "",
        "To reproduce: `make bench` (everything, about 30 minutes on 2 cores), or one section "
        "with `.venv/bin/python -m bench.run_all --only throughput --runs 3`. The Airbyte "
        "comparison needs Airbyte's connector definition, which is not part of this project: "
        "the `manifest.yaml` of connector `source-client-success` in Airbyte's repository "
        "(`airbyte-integrations/connectors/source-client-success/manifest.yaml`), given with "
        "`--airbyte-manifest PATH` or the `CS_BENCH_AIRBYTE_MANIFEST` environment variable.",
        "",
        "## Summary",
        "",
        "| measured | figure |",
        "|---|---|",
    ]
    out += [f"| {name} | {value} |" for name, value in summary(res)]
    out.append("")
    for key, part in (("throughput", _throughput), ("latency", _latency), ("memory", _memory),
                      ("writes", _writes), ("startup", _startup)):  # fmt: skip
        if key in res:
            out += part(res)
    if FINDINGS.exists():
        out += ["## Findings", "", FINDINGS.read_text().strip(), ""]
    out += _profiles(res)
    out += [
        "## Method",
        "",
        "- The simulator (`clientsuccess-connector simulate`) runs in its own process on "
        "loopback; every tool is a separate process started by the harness. Wall time runs "
        "from process start to exit (imports and interpreter start-up count for everyone); peak "
        "RSS is `ru_maxrss` of that process from `os.wait4`.",
        "- dlt and airbyte-cdk run in their own venvs (`.bench-venvs/`, from "
        "`bench/requirements-dlt.txt` and `bench/requirements-airbyte.txt`), installed by the "
        "first `make bench`. Peer scripts: `bench/runners/`.",
        "- dlt: `rest_api_source`, page_number paginator (base_page 0, `page`, total_path "
        "`totalPages`), `size` 100, data_selector `data`, write_disposition merge, "
        "primary_key id, DuckDB destination; everything else at dlt's defaults.",
        "- airbyte-cdk: Airbyte's `source-client-success` manifest with only the hosts changed, "
        "run through `AirbyteEntrypoint.run` as `source-declarative-manifest read` does; each "
        "serialised message is counted and dropped instead of printed.",
        "- Every run is checked: it must exit 0 and deliver every record the simulator holds; "
        "failed runs are listed and left out of the medians.",
        "- Partial runs: `.venv/bin/python -m bench.run_all --only throughput,startup --runs 3` "
        "or `--quick`; `--help` lists every flag. Raw results: `bench/results/run_all.json`.",
        "",
    ]
    return "\n".join(out)
