"""Crash matrix: SIGKILL a CLI sync and a CLI write at random points, re-run, compare.

Each trial starts the CLI as a subprocess, kills it with SIGKILL at a random point (after a
random number of progress lines: committed batches for a sync, ledger lines for a write, plus
a random delay), then runs the same command again to completion. The result must equal an
uninterrupted run's. Kill points come from a seeded RNG and are spread over the whole run;
trials run a few at a time to keep the suite fast.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from clientsuccess_connector.read.default_streams import DEFAULT_STREAMS
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.sinks import open_sink
from tests.reliability.helpers import (
    Row,
    TokenRecorder,
    all_secrets,
    ledger_states,
    scan,
    simulator,
    subprocess_env,
)

TRIALS = 11  # at least 10 must be real kills (the process still running when killed)
PARALLEL = 4
WRITE_ROWS = 300
CLI = [sys.executable, "-m", "clientsuccess_connector"]


@dataclass
class Trial:
    """One kill point and what came of it."""

    index: int
    kill_after: int  # progress lines seen before the kill
    delay: float  # then this many seconds
    killed: bool = False
    lines_at_kill: int = 0


def line_count(path: Path, needle: bytes | None = None) -> int:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return 0
    return data.count(needle) if needle else data.count(b"\n")


def kill_at(command: list[str], env: dict[str, str], trial: Trial, progress: Path,
            needle: bytes | None, out: Path) -> None:  # fmt: skip
    """Run `command`, SIGKILL it after `trial.kill_after` progress lines + `trial.delay`."""
    with (out / "killed.stdout").open("wb") as so, (out / "killed.stderr").open("wb") as se:
        proc = subprocess.Popen(command, env=env, stdout=so, stderr=se)
        deadline = time.monotonic() + 60
        while proc.poll() is None and line_count(progress, needle) < trial.kill_after:
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.003)
        time.sleep(trial.delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            trial.killed = True
        proc.wait(timeout=30)
    trial.lines_at_kill = line_count(progress, needle)


def run_to_end(command: list[str], env: dict[str, str], out: Path, name: str) -> str:
    """Run `command` to completion; its stdout + stderr are kept in `out` and returned."""
    done = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
    (out / f"{name}.stdout").write_bytes(done.stdout)
    (out / f"{name}.stderr").write_bytes(done.stderr)
    text = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert done.returncode == 0, text
    return text


def trials(seed: int, progress_lines: int) -> list[Trial]:
    """TRIALS kill points from a seeded RNG, spread evenly over the run's progress lines."""
    rng = random.Random(seed)
    points = []
    for i in range(TRIALS):  # one point in each of TRIALS equal slices of the run
        low, high = i * progress_lines // TRIALS, (i + 1) * progress_lines // TRIALS
        points.append(Trial(i, rng.randint(low, max(low, high - 1)), rng.uniform(0, 0.03)))
    return points


# --- sync ------------------------------------------------------------------------------------


def sync_command(url: str, flow: Path) -> list[str]:
    return [*CLI, "sync", "--flow", str(flow), "--destination", url, "--batch-size", "25"]


def write_flow(path: Path) -> Path:
    """The six default streams with small pages (many commit points), key from the env."""
    lines = ["connection:", "  api_key: ${CLIENTSUCCESS_API_KEY}", "sources:"]
    for stream, template in DEFAULT_STREAMS.items():
        lines += [f"  {stream}:", f"    template: {template}", "    page_size: 20"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tables(url: str) -> dict[str, dict[int, object]]:
    """Each stream's rows by id, without the synced-at column; duplicates are counted apart."""
    out: dict[str, dict[int, object]] = {}
    with open_sink(url) as sink:
        for stream in DEFAULT_STREAMS:
            rows = sink.read_rows(stream)
            out[stream] = {
                int(r["id"]): {k: v for k, v in r.items() if k != "_cs_synced_at"} for r in rows
            }
            out[f"{stream} rows"] = {0: len(rows)}
    return out


@pytest.mark.slow
def test_sync_killed_at_random_points_then_rerun_equals_uninterrupted(
    tmp_path: Path, results_table: list[Row]
) -> None:
    with simulator(clients=30, seed=9, latency_ms=2) as (sim, tokens):
        env = subprocess_env(sim)
        flow = write_flow(tmp_path / "flow.yaml")
        clean_dir = tmp_path / "clean"
        clean_dir.mkdir()
        clean_url = f"duckdb:///{clean_dir / 'clean.duckdb'}"
        clean_text = run_to_end(sync_command(clean_url, flow), env, clean_dir, "clean")
        commits = clean_text.count("records committed")
        assert commits >= 15, "too few commit points: lower --batch-size"
        clean = tables(clean_url)

        def one(trial: Trial) -> tuple[Trial, dict[str, dict[int, object]], list[str]]:
            out = tmp_path / f"trial{trial.index}"
            out.mkdir()
            url = f"duckdb:///{out / 'killed.duckdb'}"
            kill_at(sync_command(url, flow), env, trial, out / "killed.stderr",
                    b"records committed", out)  # fmt: skip
            run_to_end(sync_command(url, flow), env, out, "rerun")
            return trial, tables(url), scan(all_secrets(tokens), paths=[out])

        with ThreadPoolExecutor(PARALLEL) as pool:
            outcomes = list(pool.map(one, trials(20261127, commits)))
        report(results_table, "sync, 6 default streams", outcomes, clean, sim, tokens, tmp_path)


def report(
    results_table: list[Row],
    target: str,
    outcomes: list[tuple[Trial, dict[str, dict[int, object]], list[str]]],
    clean: dict[str, dict[int, object]],
    sim: SimulatorHandle,
    tokens: TokenRecorder,
    tmp_path: Path,
) -> None:
    """Add the sync row to the table and check every trial against the uninterrupted run."""
    records = sum(len(v) for k, v in clean.items() if not k.endswith(" rows"))
    lost = duplicated = 0
    diffs: list[str] = []  # the first differences, to make a failure readable
    for trial, got, _ in outcomes:
        for stream in DEFAULT_STREAMS:
            want = clean[stream]
            bad = [i for i, row in want.items() if got[stream].get(i) != row]
            lost += len(bad)
            duplicated += got[f"{stream} rows"][0] - len(got[stream])
            for i in bad[:2]:
                row, other = want[i], got[stream].get(i)
                fields = sorted(k for k in row if other is None or other.get(k) != row[k])  # type: ignore[attr-defined]
                diffs.append(f"trial {trial.index} (killed after {trial.lines_at_kill}) "
                             f"{stream} {i}: {'missing' if other is None else fields}")  # fmt: skip
    secrets = [hit for *_, hits in outcomes for hit in hits]
    secrets += scan(all_secrets(tokens), paths=[tmp_path / "clean"])
    kills = [t for t, *_ in outcomes if t.killed]
    points = ", ".join(f"{t.lines_at_kill}" for t in kills)
    results_table.append(
        Row("crash", f"{target} (killed after {points} commits)", str(len(kills)),
            "DuckDB", 2 * len(outcomes), records * len(outcomes), lost, duplicated,
            len(secrets))
    )  # fmt: skip
    assert len(kills) >= 10, f"only {len(kills)} runs were still going when killed"
    assert (lost, duplicated, secrets) == (0, 0, []), diffs
    for stream in DEFAULT_STREAMS:
        assert set(clean[stream]) == {r["id"] for r in sim.store.records(stream)}


# --- write -----------------------------------------------------------------------------------


def write_command(template: str, csv: Path, ledger: Path) -> list[str]:
    return [*CLI, "write", template, "--input", str(csv), "--results", str(ledger),
            "--batch-size", "10"]  # fmt: skip


TEMPLATES = ("bulk_create_contacts", "create_contact")  # trials alternate between the two


@pytest.mark.slow
def test_write_killed_at_random_points_then_rerun_writes_each_row_once(
    tmp_path: Path, results_table: list[Row]
) -> None:
    with simulator(clients=10, seed=3, latency_ms=2) as (sim, tokens):
        env = subprocess_env(sim)
        client_ids = sorted(c["id"] for c in sim.store.records("clients"))

        def prepare(name: str) -> tuple[Path, Path, list[str]]:
            out = tmp_path / name
            out.mkdir()
            emails = [f"{name}-{i}@example.com" for i in range(WRITE_ROWS)]
            lines = ["clientId,email,firstName"] + [
                f"{client_ids[i % len(client_ids)]},{e},Zoë {i}" for i, e in enumerate(emails)
            ]
            (out / "in.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
            return out, out / "results.jsonl", emails

        clean_dir, clean_ledger, clean_emails = prepare("clean")
        command = write_command(TEMPLATES[0], clean_dir / "in.csv", clean_ledger)
        run_to_end(command, env, clean_dir, "clean")
        ledger_lines = line_count(clean_ledger)  # a pending and a result line per row

        def one(trial: Trial) -> tuple[Trial, list[str], list[str]]:
            out, ledger, emails = prepare(f"trial{trial.index}")
            command = write_command(TEMPLATES[trial.index % 2], out / "in.csv", ledger)
            kill_at(command, env, trial, ledger, None, out)
            text = run_to_end(command, env, out, "rerun")
            assert " 0 error" in text, text
            states = ledger_states(ledger)
            assert sorted(states) == list(range(1, WRITE_ROWS + 1))
            assert {s["status"] for s in states.values()} <= {"ok", "skipped"}
            return trial, emails, scan(all_secrets(tokens), paths=[out])

        with ThreadPoolExecutor(PARALLEL) as pool:
            outcomes = list(pool.map(one, trials(7, ledger_lines)))
        counts = Counter(str(c["email"]).lower() for c in sim.store.records("contacts"))
        lost = sum(1 for _, emails, _ in outcomes for e in emails if counts[e] == 0)
        duplicated = sum(counts[e] - 1 for _, emails, _ in outcomes for e in emails if counts[e])
        assert all(counts[e] == 1 for e in clean_emails)
        secrets = [hit for *_, hits in outcomes for hit in hits]
        secrets += scan(all_secrets(tokens), paths=[clean_dir])
        kills = [t for t, *_ in outcomes if t.killed]
        points = ", ".join(str(t.lines_at_kill) for t in kills)
        results_table.append(
            Row("crash", f"write {' / '.join(TEMPLATES)} (killed after {points} ledger lines)",
                str(len(kills)), f"{WRITE_ROWS} rows each", 2 * len(outcomes),
                WRITE_ROWS * len(outcomes), lost, duplicated, len(secrets))
        )  # fmt: skip
        assert len(kills) >= 10, f"only {len(kills)} runs were still going when killed"
        assert (lost, duplicated, secrets) == (0, 0, [])
