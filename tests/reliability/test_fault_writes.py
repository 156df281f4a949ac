"""Fault matrix for writes: every row written exactly once, where the API makes that possible.

Each case writes rows through one template under one fault, with a results ledger, and re-runs
with the same ledger (faults still on) until no row is left to settle (at most RUNS runs). Then
the simulator's store is checked row by row:

- contact creates, client creates with an externalId, upserts and PATCH: every row exactly
  once (or, for PATCH, its change applied);
- a plain create (`create_pulse`): at most once. A row whose answer was lost after the server
  acted is reported "outcome unknown" and never re-sent without --retry-unknown, so it is not
  lost (it exists) and not duplicated; such rows are counted in the guarantee column.

Lost = a row absent from the store that the ledger does not report as outcome-unknown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.errors import ConnectorError
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.write import WriteJob, write_records
from tests.reliability.helpers import Row, all_secrets, ledger_states, scan, simulator
from tests.write.reporter import Recorder

RUNS = 4


@dataclass
class Fault:
    """A fault of the write matrix."""

    name: str
    rate: str
    settings: dict[str, Any] = field(default_factory=dict)
    token_401s: int = 0
    timeout: float = 10.0


FAULTS = [
    Fault("429 + Retry-After 0.05 s", "20%", {"rate_429": 0.2, "retry_after": 0.05}),
    Fault("503 HTML page", "20%", {"rate_503": 0.2}),
    Fault("dropped connection (after acting)", "20%", {"rate_drop": 0.2}),
    Fault("truncated body (after acting)", "20%", {"rate_truncate": 0.2}),
    Fault("latency spike > timeout", "15%",
          {"latency_ms": 1, "spike_rate": 0.15, "spike_ms": 400}, timeout=0.2),
    Fault("token expiry (401 invalid_token)", "4 per run", token_401s=4),
    Fault("all of the above", "30%",
          {"fault_rate": 0.25, "retry_after": 0, "spike_rate": 0.05, "spike_ms": 400},
          token_401s=3, timeout=0.2),
]  # fmt: skip


@dataclass
class Case:
    """A template, its rows, and how to count each row in the store afterwards."""

    template: str
    rows: Callable[[SimulatorHandle], list[dict[str, Any]]]
    count: Callable[[SimulatorHandle, list[dict[str, Any]]], list[int]]  # per row: times present
    guarantee: str = "exactly once"
    batch_size: int | None = None


def _clients(sim: SimulatorHandle) -> list[int]:
    return sorted(c["id"] for c in sim.store.records("clients"))


def contact_rows(n: int) -> Callable[[SimulatorHandle], list[dict[str, Any]]]:
    def rows(sim: SimulatorHandle) -> list[dict[str, Any]]:
        ids = _clients(sim)
        return [{"clientId": ids[i % len(ids)], "email": f"rel{i}@example.com",
                 "firstName": f"Ré {i}"} for i in range(n)]  # fmt: skip

    return rows


def count_contacts(sim: SimulatorHandle, rows: list[dict[str, Any]]) -> list[int]:
    counts = Counter(str(c["email"]).lower() for c in sim.store.records("contacts"))
    return [counts[r["email"]] for r in rows]


def client_rows(sim: SimulatorHandle) -> list[dict[str, Any]]:
    return [{"name": f"Acme {i}", "status": "ACTIVE", "active": True, "externalId": f"ext-{i}"}
            for i in range(150)]  # fmt: skip


def count_clients(sim: SimulatorHandle, rows: list[dict[str, Any]]) -> list[int]:
    counts = Counter(c.get("externalId") for c in sim.store.records("clients"))
    return [counts[r["externalId"]] for r in rows]


def note_rows(sim: SimulatorHandle) -> list[dict[str, Any]]:
    ids = _clients(sim)
    return [{"clientId": ids[i % len(ids)], "externalSystem": "crm",
             "externalSystemId": f"n{i}", "note": f"note {i}"} for i in range(150)]  # fmt: skip


def count_notes(sim: SimulatorHandle, rows: list[dict[str, Any]]) -> list[int]:
    counts = Counter(
        (n.get("externalSystem"), n.get("externalSystemId"))
        for n in sim.store.records("client_notes")
    )
    return [counts["crm", r["externalSystemId"]] for r in rows]


def patch_rows(sim: SimulatorHandle) -> list[dict[str, Any]]:
    contacts = sorted(sim.store.records("contacts"), key=lambda c: c["id"])[:40]
    return [{"contactId": c["uuid"], "title": f"Patched {i}"} for i, c in enumerate(contacts)]


def count_patched(sim: SimulatorHandle, rows: list[dict[str, Any]]) -> list[int]:
    titles = {c["uuid"]: c.get("title") for c in sim.store.records("contacts")}
    return [int(titles.get(r["contactId"]) == r["title"]) for r in rows]


def pulse_rows(sim: SimulatorHandle) -> list[dict[str, Any]]:
    ids = _clients(sim)
    return [{"clientId": ids[i % len(ids)], "note": f"pulse-{i}"} for i in range(40)]


def count_pulses(sim: SimulatorHandle, rows: list[dict[str, Any]]) -> list[int]:
    counts = Counter(p.get("note") for p in sim.store.records("pulses"))
    return [counts[r["note"]] for r in rows]


CASES = [
    Case("create_contact", contact_rows(40), count_contacts),
    Case("bulk_create_contacts", contact_rows(150), count_contacts, batch_size=10),
    Case("upsert_contact", contact_rows(40), count_contacts),
    Case("upsert_batch_contacts", contact_rows(150), count_contacts, batch_size=10),
    Case("bulk_create_clients", client_rows, count_clients, batch_size=10),
    Case("workato_bulk_upsert_client_notes", note_rows, count_notes, batch_size=10),
    Case("patch_contact", patch_rows, count_patched, "exactly-once effect"),
    Case("create_pulse", pulse_rows, count_pulses, "at most once"),
]


def connect(sim: SimulatorHandle, fault: Fault) -> Connection:
    settings = ConnectionSettings(
        base_url=sim.api_v1_url, username=sim.username, password=sim.password,
        timeout=fault.timeout, max_attempts=10, backoff_base=0.01, backoff_cap=0.05,
    )  # fmt: skip
    return Connection(settings)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.template)
@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name.split(" ")[0])
def test_writes_under_faults(
    fault: Fault, case: Case, tmp_path: Path, results_table: list[Row]
) -> None:
    ledger = tmp_path / "results.jsonl"
    texts: list[str] = []
    aborted: list[str] = []
    final_clean = False
    with simulator(clients=8, seed=4) as (sim, tokens):
        rows = case.rows(sim)
        runs = 0
        for run in range(RUNS):
            sim.faults.configure(seed=run + 1, **fault.settings)
            for i in range(fault.token_401s):
                sim.faults.next("401", 1, route=case.template, skip=2 + 8 * i)
            with connect(sim, fault) as conn:
                try:
                    summary = write_records(
                        conn,
                        WriteJob(case.template, batch_size=case.batch_size, results=ledger),
                        rows,
                        Recorder(warnings=texts.append),
                    )
                    texts += [text for _, text in summary.first_errors]
                except ConnectorError as exc:  # a whole run stopped: see KNOWN_BUG below
                    texts.append(str(exc))
                    aborted.append(type(exc).__name__)
            runs += 1
            states = ledger_states(ledger)
            unsettled = [s for s in states.values() if s["status"] not in ("ok", "skipped")]
            plain = case.guarantee == "at most once"  # unknown rows wait for a human
            if all(plain and s.get("outcome") == "unknown" for s in unsettled):
                break
        sim.faults.off()
        if unsettled and not plain:  # the faulty runs never settled: one more run without faults
            with connect(sim, fault) as conn:
                write_records(
                    conn,
                    WriteJob(case.template, batch_size=case.batch_size, results=ledger),
                    rows,
                    Recorder(warnings=texts.append),
                )
            runs += 1
            final_clean = True
        present = case.count(sim, rows)
        states = ledger_states(ledger)
        unknown = {n for n, s in states.items() if s.get("outcome") == "unknown"}
        lost = [n for n, k in enumerate(present, 1) if k == 0 and n not in unknown]
        twice = [n for n, k in enumerate(present, 1) if k > 1]
        secrets = scan(all_secrets(tokens), texts=texts, paths=[ledger])
    guarantee = case.guarantee
    if unknown:
        created = sum(1 for n in unknown if present[n - 1])
        guarantee += f"; {len(unknown)} reported outcome-unknown ({created} had been created)"
    if aborted:
        guarantee += f"; {len(aborted)} run(s) stopped by {', '.join(sorted(set(aborted)))}"
    if final_clean:
        guarantee += "; settled by a last run without faults"
    results_table.append(
        Row("writes", fault.name, fault.rate, case.template, runs, len(rows), len(lost),
            len(twice), len(secrets), guarantee)
    )  # fmt: skip
    assert (lost, twice, secrets) == ([], [], [])
    if case.guarantee != "at most once":
        assert unknown == set()
        assert all(s["status"] in ("ok", "skipped") for s in states.values())


def test_a_truncated_look_up_is_retried_not_fatal(tmp_path: Path) -> None:
    """A POST whose answer is lost is looked up; a truncated look-up answer is just retried."""
    with simulator(clients=3) as (sim, _):
        client = _clients(sim)[0]
        sim.faults.next("drop", 1, route="create_contact")  # acted, answer lost: look it up
        sim.faults.next("truncate", 1, route="search_contacts")  # the look-up's page cut short
        with connect(sim, Fault("none", "0")) as conn:
            summary = write_records(
                conn,
                WriteJob("create_contact", results=tmp_path / "r.jsonl"),
                [{"clientId": client, "email": "x1@example.com"}],
            )
        assert (summary.ok, summary.error) == (1, 0)
        assert count_contacts(sim, [{"email": "x1@example.com"}]) == [1]
