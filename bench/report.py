"""docs/benchmarks.md from the results of bench.run_all: the targets met and missed, then one
table per section."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

FINDINGS = Path(__file__).resolve().parent / "findings.md"
"""Hand-written analysis of the latest full run, included verbatim under Findings."""

COST_TEXT = {
    "indexed": "`indexed` (sorted and filtered searches come from a cached index)",
    "scan": "`scan` (a sorted or filtered search scans and sorts the whole collection; a deep "
    "page walks past every record before it, like SQL `OFFSET`)",
}


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _ratio(a: float, b: float) -> float:
    return a / b if a and b else 0.0


def _rps(series: dict[str, Any], key: str) -> float:
    return float(series.get(key, {}).get("median_records_per_second", 0.0))


def _runs(series: dict[str, Any]) -> str:
    return ", ".join(_n(r["records_per_second"]) for r in series["runs"])


def _series_table(s: dict[str, Any], ours_key: str, ours: float) -> list[str]:
    """One table of tools (records, time, rate, ratio to ours, memory), its failures and a
    blank line: the latency and PostgreSQL sections' shape."""
    out = [
        "| tool | records | median s | median records/s | ours / tool | peak RSS MB | "
        "records/s per run |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, ser in s.items():
        rps = ser["median_records_per_second"]
        vs = "" if key == ours_key else f"{_ratio(ours, rps):.2f}x"
        out.append(
            f"| {ser['label']} | {_n(ser['expected'])} | {ser['median_seconds']:.2f} | "
            f"**{_n(rps)}** | {vs} | {_n(ser['median_peak_rss_mb'])} | {_runs(ser)} |"
        )
    for key, ser in s.items():
        out += [f"\n- {key}: {note}" for note in _failures(ser)]
    out.append("")
    return out


def _failures(series: dict[str, Any]) -> list[str]:
    return [r["note"] for r in series["runs"] if r.get("note")]


def cost_models(section: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(cost model, its results) for each cost model a section was measured under."""
    for cost in ("indexed", "scan"):
        part = section.get(cost)
        if isinstance(part, dict):
            yield cost, part


def _verdict(value: float, goal: float, *, at_most: bool = False) -> str:
    if not value:
        return "not measured"
    met = value <= goal if at_most else value >= goal
    return "met" if met else "**missed**"


def _exactness(res: dict[str, Any]) -> tuple[str, str]:
    """How many of our runs delivered every record exactly once, and the notes of the rest."""
    runs = bad = 0
    notes: list[str] = []
    for series in _all_series(res):
        for key, ser in series.items():
            if not key.startswith("ours"):
                continue
            for run in ser["runs"]:
                runs += 1
                if run.get("note") or not run.get("ok", True):
                    bad += 1
                    notes.append(f"{key}: {run.get('note', '')}"[:120])
    figure = f"{runs - bad} of {runs} runs of ours exact" + (
        f" ({'; '.join(notes)})" if notes else ""
    )
    return figure, ("met" if runs and not bad else "**missed**" if runs else "not measured")


def _all_series(res: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for section in ("throughput", "latency"):
        for _, part in cost_models(res.get(section, {})):
            yield part.get("series", part)
    for name in ("postgres",):
        if "series" in res.get(name, {}):
            yield res[name]["series"]
    for part in res.get("servers", {}).values():
        if isinstance(part, dict) and "series" in part:
            yield part["series"]
    for size in ("100k", "1M"):
        if "series" in res.get("memory", {}).get(size, {}):
            yield res["memory"][size]["series"]


def targets(res: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, figure, met or missed) for every target of the benchmark."""
    rows = [("zero records lost or duplicated", *_exactness(res))]
    for cost, part in cost_models(res.get("throughput", {})):
        s = part["series"]
        ours, dlt = _rps(s, "ours"), _rps(s, "dlt")
        rows.append((f"ours / dlt rest_api into DuckDB >= 8x ({cost})",
                     f"{_ratio(ours, dlt):.1f}x", _verdict(_ratio(ours, dlt), 8)))  # fmt: skip
        oc, ab = _rps(s, "ours_contacts"), _rps(s, "airbyte_contacts")
        if ab:
            rows.append((f"ours / airbyte-cdk >= 8x (contacts, {cost})",
                         f"{_ratio(oc, ab):.1f}x", _verdict(_ratio(oc, ab), 8)))  # fmt: skip
            raw_contacts = _rps(s, "raw_contacts")
            if raw_contacts:
                rows.append((f"same pages: raw loop (read, dropped) / airbyte-cdk (figure only, "
                             f"{cost})", f"{_ratio(raw_contacts, ab):.1f}x", ""))  # fmt: skip
        share = _ratio(ours, _rps(s, "raw"))
        rows.append((f"ours loading DuckDB / raw loop paged the same way >= 60% ({cost})",
                     f"{100 * share:.0f}%", _verdict(share, 0.6)))  # fmt: skip
    pg = res.get("postgres", {}).get("series")
    if pg:
        x = _ratio(_rps(pg, "ours_postgres"), _rps(pg, "dlt_postgres"))
        rows.append(("PostgreSQL: ours / dlt into the same server >= 5x", f"{x:.1f}x",
                     _verdict(x, 5)))  # fmt: skip
    mem = res.get("memory", {})
    small = mem.get("100k", {}).get("series", {}).get("ours", {}).get("median_peak_rss_mb", 0)
    big = mem.get("1M", {}).get("series", {}).get("ours", {}).get("median_peak_rss_mb", 0)
    if small:
        rows.append(("peak RSS at 100k records (figure only)", f"{_n(small)} MB", ""))
    rows.append(("peak RSS at 1M records <= 300 MB", f"{_n(big)} MB" if big else "not run",
                 _verdict(big, 300, at_most=True)))  # fmt: skip
    lat = res.get("latency", {})
    for cost, s in cost_models(lat):
        x = _ratio(_rps(s, "ours"), _rps(s, "ours_sequential"))
        rows.append((f"{lat['latency_ms']:g} ms latency, six streams: default / max_concurrency 1"
                     f" >= 4x ({cost})", f"{x:.1f}x", _verdict(x, 4)))  # fmt: skip
        for key, name in (("dlt", "dlt"), ("airbyte", "airbyte-cdk")):
            if key in s:
                rows.append((f"same run: ours / {name} (figure only, {cost})",
                             f"{_ratio(_rps(s, 'ours'), _rps(s, key)):.1f}x", ""))  # fmt: skip
    return rows


def _throughput(res: dict[str, Any]) -> list[str]:
    out = [
        "## 1. Throughput, no added latency",
        "",
        "client_notes into DuckDB (ours, dlt) or read and dropped (the raw loop); airbyte-cdk has "
        "no client_notes stream, so it reads Contacts against ours syncing contacts. Page size "
        "100 everywhere. records/s = records delivered (rows in DuckDB for ours and dlt, "
        "records read for the raw loop and airbyte-cdk) / wall time of the whole process. "
        "Rounds alternate (order rotated each round); medians.",
        "",
    ]
    for cost, part in cost_models(res["throughput"]):
        s, counts = part["series"], part["counts"]
        ours, ours_c = _rps(s, "ours"), _rps(s, "ours_contacts")
        out += [
            f"### Cost model {COST_TEXT[cost]}",
            "",
            f"Simulator: {part['clients']:,} clients ({counts['client_notes']:,} client notes, "
            f"{counts['contacts']:,} contacts).",
            "",
            "| tool | stream | records | median s | median records/s | ours / tool | "
            "peak RSS MB | records/s per run |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for key, ser in s.items():
            contacts = "contacts" in key
            rps = ser["median_records_per_second"]
            mine = ours_c if contacts else ours
            vs = "" if key in ("ours", "ours_contacts") else f"{_ratio(mine, rps):.2f}x"
            if key == "raw_contacts" and _rps(s, "airbyte_contacts"):
                vs += f" (raw / airbyte-cdk: {_ratio(rps, _rps(s, 'airbyte_contacts')):.2f}x)"
            out.append(
                f"| {ser['label']} | {'contacts' if contacts else 'client_notes'} | "
                f"{_n(ser['expected'])} | {ser['median_seconds']:.2f} | **{_n(rps)}** | {vs} | "
                f"{_n(ser['median_peak_rss_mb'])} | {_runs(ser)} |"
            )
        for key, ser in s.items():
            out += [f"\n- {key}: {note}" for note in _failures(ser)]
        out.append("")
    out += [
        "- *ours* is the default command a user runs (`sync --stream client_notes` into a fresh "
        "DuckDB file): a first run reads by page number, concurrently once the first page gives "
        "`totalPages`, then catches up by `modifiedAfter` from the run's start (see "
        "[syncing.md](syncing.md)). *ours as a flow source* reads the same endpoint through a "
        "flow-file manual source paged by number, as dlt and the raw loop page.",
        "- The raw loop is one sequential httpx + orjson loop over the same pages "
        "(`bench/runners/raw_httpx.py`, server's own order), records parsed and dropped; ours "
        "reads pages concurrently and can beat it.",
        "",
    ]
    return out


def _latency(res: dict[str, Any]) -> list[str]:
    lat = res["latency"]
    out = [
        f"## 2. Latency-bound: {lat['latency_ms']:g} ms added to every request, plus up to "
        f"{lat.get('jitter_ms', 0):g} ms of jitter",
        "",
        f"{lat['clients']:,} clients. ours and dlt: the six default streams (clients, contacts, "
        "contracts, pulses, client_notes, products) into DuckDB; airbyte-cdk: its five streams "
        "(Clients, Contacts, Contracts, Products, Custom Fields), output discarded. Defaults "
        f"everywhere (ours: max_concurrency {lat.get('concurrency', 4)}) except *max_concurrency "
        "1* (a flow file with `connection: {max_concurrency: 1}`).",
        "",
    ]
    for cost, s in cost_models(lat):
        ours = _rps(s, "ours")
        out += [
            f"### Cost model `{cost}`",
            "",
            *_series_table(s, "ours", ours),
        ]
    fan = lat.get("fanout")
    if fan:
        med = fan["median_seconds"]
        out += [
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
            "",
        ]
    return out


def _servers(res: dict[str, Any]) -> list[str]:
    srv = res["servers"]
    out = [
        "## Every server profile: exactness",
        "",
        f"Our default sync of {' and '.join(srv['streams'])} into a fresh DuckDB file, under "
        "each named server profile of the simulator (`PRESETS` in "
        f"`simulator/profile.py`), {srv['clients']:,} clients, no added latency. A run counts "
        "as exact when it exits 0 and the destination holds every record the simulator holds, "
        "each id once.",
        "",
        "| profile | settings | records | exact | median s | median records/s |",
        "|---|---|---|---|---|---|",
    ]
    for name, part in srv.items():
        if not isinstance(part, dict) or "series" not in part:
            continue
        ser = part["series"]["ours"]
        exact = all(r["ok"] and not r.get("note") for r in ser["runs"])
        settings = ", ".join(f"{k} {v}" for k, v in part["profile"].items())
        out.append(
            f"| `{name}` | {settings} | {_n(ser['expected'])} | {'yes' if exact else '**no**'} "
            f"| {ser['median_seconds']:.2f} | {_n(ser['median_records_per_second'])} |"
        )
        out += [f"\n- {name}: {note}" for note in _failures(ser)]
    out.append("")
    return out


def _postgres(res: dict[str, Any]) -> list[str]:
    pg = res["postgres"]
    s = pg["series"]
    ours = _rps(s, "ours_postgres")
    return [
        "## 3. PostgreSQL load",
        "",
        f"client_notes ({pg['records']:,} records, simulator with "
        f"{pg['clients']:,} clients, cost model `indexed`, no added latency) into the same "
        f"{pg.get('server', 'PostgreSQL')} server on loopback, each run into a fresh schema. "
        "ours: `sync --stream client_notes --destination postgresql://...?schema=...`; dlt: "
        "rest_api as in section 1, postgres destination, merge on id "
        "(`bench/postgres_load.py`, also runnable alone).",
        "",
        *_series_table(s, "ours_postgres", ours),
    ]


def _memory(res: dict[str, Any]) -> list[str]:
    mem = res["memory"]
    out = [
        "## 4. Memory: peak RSS",
        "",
        "client_notes synced into DuckDB by the default command from a simulator seeded for "
        "about 100,000 and 1,000,000 notes (cost model `indexed`). Peak RSS of the process "
        "(`ru_maxrss` from `os.wait4`), the same method for every tool.",
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
        for key, ser in part["series"].items():
            out += [f"\n- {key} ({name}): {note}" for note in _failures(ser)]
    small = mem.get("100k", {}).get("series", {})
    big = mem.get("1M", {}).get("series", {})
    th = res.get("throughput", {}).get("indexed", {})
    if "dlt" in th.get("series", {}):
        d = th["series"]["dlt"]["median_peak_rss_mb"]
        out.append(f"\nFor comparison, dlt's peak RSS in section 1 (indexed, "
                   f"{th['counts']['client_notes']:,} client notes): {_n(d)} MB.")  # fmt: skip
    if "ours" in small and "ours" in big:
        x = _ratio(big["ours"]["median_peak_rss_mb"], small["ours"]["median_peak_rss_mb"])
        out.append(f"\nours 1M / 100k: {x:.2f}x.")
    out.append("")
    return out


def _writes(res: dict[str, Any]) -> list[str]:
    w = res["writes"]
    ratio = _ratio(w["median_bulk"], w["median_single"])
    return [
        "## 5. Writes: bulk against single-record templates",
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
    out = ["## 6. Startup", "", "| command | median s | runs |", "|---|---|---|"]
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
        "ours_default": "Our default sync of client_notes, whole run, cost model `indexed` "
        "(samples of the thread holding the GIL: where our Python CPU time goes)",
        "simulator_scan": "The simulator while our default sync runs, cost model `scan` "
        "(where the server's time goes)",
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
        "run by airbyte-cdk), side by side on the same simulator in one run, under the "
        "simulator's two query cost models ([simulator.md](simulator.md#server-profiles)).",
        "",
        f"- Command: `{res['command']}`",
        f"- Run: {res['started']}, {res.get('duration_seconds', 0) / 60:.0f} minutes",
        f"- Machine: {res['machine']}, shared with other work while measuring: figures are "
        "medians of alternating runs, and the ratios between tools measured side by side are "
        "steadier than any one absolute figure. Load average (1, 5, 15 min) at the start: "
        f"{res.get('load_at_start', '?')}; at the end: {res.get('load_at_end', '?')}",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in res.get("versions", {}).items()),
        *(
            f"- Re-run since: {', '.join(r['sections'])} at {r['started']} (`{r['command']}`)"
            for r in res.get("reruns", [])
        ),
        "",
        f"To reproduce: `make bench` (everything: "
        f"{res.get('duration_seconds', 0) / 60:.0f} minutes in this run); "
        "`make bench BENCH_ARGS=--quick` (small data, one round, no 1M run: a few minutes); "
        "one section: `.venv/bin/python -m bench.run_all --only throughput --cost-models scan "
        "--runs 3` (`--help` lists every flag). The Airbyte comparison needs Airbyte's connector "
        "definition, which is not part of this project: the `manifest.yaml` of connector "
        "`source-client-success` in Airbyte's repository "
        "(`airbyte-integrations/connectors/source-client-success/manifest.yaml`), given with "
        "`--airbyte-manifest PATH` or the `CS_BENCH_AIRBYTE_MANIFEST` environment variable; "
        "without it airbyte-cdk is left out. The PostgreSQL section uses "
        "`--postgres-url` (default `postgresql://postgres@127.0.0.1:5432/test`).",
        "",
        "## Targets",
        "",
        "| target | figure | |",
        "|---|---|---|",
    ]
    out += [f"| {name} | {value} | {verdict} |" for name, value, verdict in targets(res)]
    out.append("")
    sections = (("throughput", _throughput), ("latency", _latency), ("servers", _servers),
                ("postgres", _postgres), ("memory", _memory), ("writes", _writes),
                ("startup", _startup))  # fmt: skip
    for key, part in sections:
        if key in res:
            out += part(res)
    if FINDINGS.exists():
        out += ["## Findings", "", FINDINGS.read_text().strip(), ""]
    out += _profiles(res)
    out += [
        "## Method",
        "",
        "- The simulator (`clientsuccess-connector simulate --query-cost ...`) runs in its own "
        "process on loopback; every tool is a separate process started by the harness. Wall "
        "time runs from process start to exit (imports and interpreter start-up count for "
        "everyone); peak RSS is `ru_maxrss` of that process from `os.wait4`.",
        "- dlt and airbyte-cdk run in their own venvs (`.bench-venvs/`, from "
        "`bench/requirements-dlt.txt` and `bench/requirements-airbyte.txt`), installed by the "
        "first `make bench`. Peer scripts: `bench/runners/`.",
        "- dlt: `rest_api_source`, page_number paginator (base_page 0, `page`, total_path "
        "`totalPages`), `size` 100, data_selector `data`, write_disposition merge, "
        "primary_key id, DuckDB or PostgreSQL destination; everything else at dlt's defaults.",
        "- airbyte-cdk: Airbyte's `source-client-success` manifest with only the hosts changed "
        "(it sorts by `modifiedTime` and filters by `modifiedAfter` from its start date), run "
        "through `AirbyteEntrypoint.run` as `source-declarative-manifest read` does; each "
        "serialised message is counted and dropped instead of printed.",
        "- Every run is checked: it must exit 0 and deliver every record the simulator holds "
        "exactly once (rows and distinct ids counted in the destination); failed runs are "
        "listed and left out of the medians.",
        "- Raw results: `bench/results/run_all.json`.",
        "",
    ]
    return "\n".join(out)
