"""Acceptance: 5,000 contacts, SIGKILL at a random point, re-run: every row present exactly once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from clientsuccess_connector.simulator import SimulatorConfig, run_simulator

ROWS = 5000


def write_csv(path: Path, client_ids: list[int]) -> None:
    lines = ["clientId,email,firstName,title"]
    lines += [
        f"{client_ids[i % len(client_ids)]},person{i}@example.com,P{i},Title {i}"
        for i in range(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def command(template: str, csv: Path, results: Path) -> list[str]:
    return [
        sys.executable, "-m", "clientsuccess_connector", "write", template,
        "--input", str(csv), "--results", str(results),
    ]  # fmt: skip


def line_count(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except FileNotFoundError:
        return 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("template", "latency_ms", "seed"),
    [("bulk_create_contacts", 10, 11), ("upsert_contact", 0, 12)],
)
def test_sigkill_then_rerun_writes_every_row_exactly_once(
    tmp_path: Path, template: str, latency_ms: float, seed: int
) -> None:
    rng = random.Random(seed)
    with run_simulator(SimulatorConfig(clients=40, seed=3, latency_ms=latency_ms)) as sim:
        client_ids = sorted(c["id"] for c in sim.store.records("clients"))
        before = len(sim.store.records("contacts"))
        csv, results = tmp_path / "contacts.csv", tmp_path / "results.jsonl"
        write_csv(csv, client_ids)
        env = {**os.environ, **sim.env()}

        # Every POST row writes a pending line and a result line: about 2 x ROWS in all.
        kill_after = rng.randint(ROWS // 5, ROWS * 3 // 2)
        proc = subprocess.Popen(
            command(template, csv, results), env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while proc.poll() is None and line_count(results) < kill_after:
            assert time.monotonic() < deadline, "the first run made no progress"
            time.sleep(0.002)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.stderr is not None
        proc.stderr.close()
        assert killed, f"the run finished before {kill_after} ledger lines; kill sooner"
        assert proc.returncode == -signal.SIGKILL
        written_before_rerun = line_count(results)
        assert written_before_rerun > 0

        rerun = subprocess.run(
            command(template, csv, results),
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        print(f"killed after {written_before_rerun} ledger lines; re-run: {rerun.stderr.strip()}")
        assert rerun.returncode == 0, rerun.stderr
        assert "0 error" in rerun.stderr

        contacts = sim.store.records("contacts")
        counts = Counter(str(c["email"]).lower() for c in contacts)
        missing = [i for i in range(ROWS) if counts[f"person{i}@example.com"] == 0]
        twice = [i for i in range(ROWS) if counts[f"person{i}@example.com"] > 1]
        assert missing == []
        assert twice == []
        assert len(contacts) == before + ROWS

        final: dict[int, str] = {}
        for line in results.read_text().splitlines():
            entry = json.loads(line)
            if "row" in entry:  # not the header
                final[entry["row"]] = entry["status"]
        assert sorted(final) == list(range(1, ROWS + 1))
        assert set(final.values()) <= {"ok", "skipped"}
        assert "api-key" not in results.read_text().lower()
        assert sim.api_key not in results.read_text()
