"""A ledger keyed by the row (issue 28, item 3) and writes that sync: insert, update or upsert
by a key, sending only new and changed rows (item 4)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle


def run(simulator: SimulatorHandle, *args: str) -> Result:
    return CliRunner().invoke(cli, ["write", *args], env=simulator.env())


def csv(path: Path, header: str, rows: list[tuple[Any, ...]]) -> Path:
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def pulse_notes(simulator: SimulatorHandle) -> Counter[str]:
    return Counter(str(p.get("note")) for p in simulator.store.records("pulses"))


def contacts_by_email(simulator: SimulatorHandle) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for contact in simulator.store.records("contacts"):
        found.setdefault(str(contact["email"]).lower(), []).append(contact)
    return found


def test_a_monthly_export_under_a_new_name_sends_only_its_new_rows(
    simulator: SimulatorHandle, client_ids: list[int], tmp_path: Path
) -> None:
    """November's 10 pulses, then December's file: the same 10 (reordered) plus 2 new."""
    ledger = str(tmp_path / "pulses.ledger.jsonl")
    november = [(client_ids[i % 3], f"month {i}") for i in range(10)]
    first = csv(tmp_path / "pulses-2026-11.csv", "clientId,note", november)
    assert run(simulator, "create_pulse", "-i", str(first), "--results", ledger).exit_code == 0
    december = [*reversed(november), (client_ids[0], "month 10"), (client_ids[1], "month 11")]
    second = csv(tmp_path / "pulses-2026-12.csv", "clientId,note", december)
    result = run(simulator, "create_pulse", "-i", str(second), "--results", ledger)
    assert result.exit_code == 0, result.output
    assert "create_pulse: 2 ok, 0 error, 10 skipped; 2 request(s)" in result.stderr
    notes = pulse_notes(simulator)
    assert [notes[f"month {i}"] for i in range(12)] == [1] * 12


def test_a_named_key_finds_the_row_whatever_else_changed(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """--key externalId: a client whose name was fixed is the same row, not a new client."""
    ledger = str(tmp_path / "clients.ledger.jsonl")
    first = csv(tmp_path / "a.csv", "externalId,name", [("crm-1", "Acme"), ("crm-2", "Bolt")])
    args = ["--key", "externalId", "--set", "status=ACTIVE", "--set", "active=true",
            "--results", ledger]  # fmt: skip
    assert run(simulator, "create_client", "-i", str(first), *args).exit_code == 0
    fixed = csv(tmp_path / "b.csv", "externalId,name", [("crm-2", "Bolt"), ("crm-1", "ACME Inc")])
    result = run(simulator, "create_client", "-i", str(fixed), *args)
    assert result.exit_code == 0, result.output
    assert "0 ok, 0 error, 2 skipped" in result.stderr
    external = Counter(c.get("externalId") for c in simulator.store.records("clients"))
    assert (external["crm-1"], external["crm-2"]) == (1, 1)


def test_a_repeated_key_is_a_row_error_naming_the_first(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """Two rows with one key cannot both be remembered: the second is refused, with the fix."""
    path = csv(tmp_path / "a.csv", "externalId,name", [("crm-9", "A"), ("crm-9", "B")])
    result = run(simulator, "create_client", "-i", str(path), "--key", "externalId",
                 "--set", "status=ACTIVE", "--set", "active=true")  # fmt: skip
    assert result.exit_code == 1
    assert "row 2: key externalId='crm-9' repeats row 1; each key may appear once" in result.stderr


def test_upsert_mode_creates_new_rows_updates_changed_ones_and_skips_the_rest(
    simulator: SimulatorHandle, client_ids: list[int], tmp_path: Path
) -> None:
    """create_contact --mode upsert: a changed contact goes through patch_contact, once."""
    ledger = tmp_path / "contacts.ledger.jsonl"
    header = "clientId,email,firstName"
    rows = [(client_ids[0], f"sync{i}@x.io", f"Name{i}") for i in range(5)]
    args = ["--mode", "upsert", "--results", str(ledger)]
    first = run(
        simulator, "create_contact", "-i", str(csv(tmp_path / "a.csv", header, rows)), *args
    )
    assert first.exit_code == 0, first.output
    changed = [
        *rows[:4],
        (client_ids[0], "sync4@x.io", "Renamed"),
        (client_ids[0], "new@x.io", "N"),
    ]
    again = run(simulator, "create_contact", "-i", str(csv(tmp_path / "b.csv", header, changed)),
                *args)  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "create_contact: 2 ok, 0 error, 4 skipped; 2 request(s)" in again.stderr
    contacts = contacts_by_email(simulator)
    assert all(len(contacts[f"sync{i}@x.io"]) == 1 for i in range(5))
    assert contacts["sync4@x.io"][0]["firstName"] == "Renamed"
    assert len(contacts["new@x.io"]) == 1
    lines = [json.loads(x) for x in ledger.read_text().splitlines()[1:]]
    updated = [line for line in lines if line["row"] == 5 and line["status"] == "ok"]
    assert updated[-1]["id"] == contacts["sync4@x.io"][0]["id"]
    # a third run of the same file sends nothing at all
    third = run(simulator, "create_contact", "-i", str(tmp_path / "b.csv"), *args)
    assert "0 ok, 0 error, 6 skipped; 0 request(s)" in third.stderr


def test_insert_mode_leaves_changed_rows_and_update_mode_reports_unknown_keys(
    simulator: SimulatorHandle, client_ids: list[int], tmp_path: Path
) -> None:
    """insert sends only new keys; update sends only changes to keys the ledger wrote."""
    ledger = str(tmp_path / "contacts.ledger.jsonl")
    header = "clientId,email,firstName"
    rows = [(client_ids[0], "ins@x.io", "A")]
    path = str(csv(tmp_path / "a.csv", header, rows))
    assert run(simulator, "create_contact", "-i", path, "--mode", "insert", "--results", ledger
               ).exit_code == 0  # fmt: skip
    later = str(csv(tmp_path / "b.csv", header, [(client_ids[0], "ins@x.io", "B"),
                                                 (client_ids[0], "other@x.io", "C")]))  # fmt: skip
    insert = run(simulator, "create_contact", "-i", later, "--mode", "insert", "--results", ledger)
    assert "1 ok, 0 error, 1 skipped" in insert.stderr
    assert contacts_by_email(simulator)["ins@x.io"][0]["firstName"] == "A"
    newer = str(csv(tmp_path / "c.csv", header, [(client_ids[0], "ins@x.io", "D"),
                                                 (client_ids[0], "nobody@x.io", "E")]))  # fmt: skip
    update = run(simulator, "create_contact", "-i", newer, "--mode", "update", "--results", ledger)
    assert update.exit_code == 1
    assert "row 2: no record was written for this key yet" in update.stderr
    assert contacts_by_email(simulator)["ins@x.io"][0]["firstName"] == "D"
    assert "nobody@x.io" not in contacts_by_email(simulator)


def test_a_mode_without_a_key_names_the_fix(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """create_pulse has no natural key of the user's: `--mode` asks for `--key`."""
    path = str(csv(tmp_path / "a.csv", "clientId,note", [(1, "x")]))
    result = run(simulator, "create_pulse", "-i", path, "--mode", "upsert")
    assert result.exit_code == 2
    assert "`mode: upsert` needs `key` (--key)" in result.stderr


def test_a_database_table_synced_twice_sends_only_the_change(
    simulator: SimulatorHandle, client_ids: list[int], tmp_path: Path
) -> None:
    """Reverse ETL: the second run over a warehouse table sends its one changed row."""
    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE people (clientId BIGINT, email TEXT, title TEXT)")
        con.executemany("INSERT INTO people VALUES (?, ?, ?)",
                        [(client_ids[1], f"wh{i}@x.io", "CSM") for i in range(20)])  # fmt: skip
    url = f"duckdb:///{db}?table=people"
    args = ["-i", url, "--mode", "upsert", "--results", str(tmp_path / "people.ledger.jsonl")]
    assert run(simulator, "create_contact", *args).exit_code == 0
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE people SET title = 'VP' WHERE email = 'wh7@x.io'")
    again = run(simulator, "create_contact", *args)
    assert "1 ok, 0 error, 19 skipped; 1 request(s)" in again.stderr
    assert contacts_by_email(simulator)["wh7@x.io"][0]["title"] == "VP"


def test_every_needs_a_ledger(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """--every without --results would send every row each time: refused with the fix."""
    path = str(csv(tmp_path / "a.csv", "clientId,note", [(1, "x")]))
    result = run(simulator, "create_pulse", "-i", path, "--every", "15m")
    assert result.exit_code == 2
    assert "--every needs --results FILE" in result.stderr


def test_write_every_keeps_sending_only_what_changed_until_stopped(
    simulator: SimulatorHandle, client_ids: list[int], tmp_path: Path
) -> None:
    """`write --every 1s --mode upsert` in its own process: a later edit arrives, nothing twice."""
    header = "clientId,email,title"
    rows = [(client_ids[2], f"loop{i}@x.io", "CSM") for i in range(5)]
    source = csv(tmp_path / "people.csv", header, rows)
    ledger = tmp_path / "people.ledger.jsonl"
    command = [
        sys.executable,
        "-m",
        "clientsuccess_connector",
        "write",
        "create_contact",
        "-i",
        str(source),
        "--mode",
        "upsert",
        "--results",
        str(ledger),
        "--every",
        "1s",
    ]
    env = {**os.environ, **simulator.env()}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines: list[str] = []  # what the writer reports, read as it goes
    reader = threading.Thread(target=lambda: lines.extend(map(bytes.decode, proc.stderr or [])))
    reader.start()
    edit = "1 ok, 0 error, 4 skipped; 1 request(s)"  # the cycle that sends only the edit
    try:
        until(lambda: len(contacts_by_email(simulator).get("loop4@x.io", [])) == 1, proc)
        edited = csv(tmp_path / "people.next.csv", header, [*rows[:4],
                     (client_ids[2], "loop4@x.io", "VP")])  # fmt: skip
        edited.replace(source)  # atomically: a cycle reads the old file or the new one
        until(lambda: contacts_by_email(simulator)["loop4@x.io"][0]["title"] == "VP", proc)
        until(lambda: any(edit in line for line in lines), proc)  # its summary, on a slow machine
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        reader.join(timeout=60)
        if proc.stderr is not None:
            proc.stderr.close()
    assert proc.returncode == 0, "".join(lines)
    found = contacts_by_email(simulator)
    assert [len(found[f"loop{i}@x.io"]) for i in range(5)] == [1] * 5


def until(condition: Callable[[], bool], proc: subprocess.Popen[bytes]) -> None:
    """Wait for `condition` while the writer runs (it must not have stopped)."""
    for _ in range(1200):
        if condition():
            return
        assert proc.poll() is None, "the writer stopped"
        time.sleep(0.05)
    raise AssertionError("the writer made no progress")


def test_an_update_that_failed_is_sent_again_as_an_update_not_a_create(
    simulator: SimulatorHandle, client_ids: list[int], tmp_path: Path
) -> None:
    """The record a ledger wrote stays known when its update fails: the next run updates it."""
    ledger = str(tmp_path / "contacts.ledger.jsonl")
    header = "clientId,email,title"
    args = ["--mode", "upsert", "--results", ledger]
    first = str(csv(tmp_path / "a.csv", header, [(client_ids[0], "up@x.io", "CSM")]))
    assert run(simulator, "create_contact", "-i", first, *args).exit_code == 0
    changed = str(csv(tmp_path / "b.csv", header, [(client_ids[0], "up@x.io", "VP")]))
    simulator.faults.configure(retry_after=0)
    simulator.faults.next("429", 100, route="patch_contact")
    failed = run(simulator, "create_contact", "-i", changed, *args)
    assert failed.exit_code == 1
    simulator.faults.clear()
    again = run(simulator, "create_contact", "-i", changed, *args)
    assert "1 ok, 0 error, 0 skipped; 1 request(s)" in again.stderr
    found = contacts_by_email(simulator)["up@x.io"]
    assert [c["title"] for c in found] == ["VP"]
