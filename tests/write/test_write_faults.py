"""Row errors, per-item bulk failures, 429/503/dropped connections, and the ledger on re-runs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.errors import AuthError
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.write import WriteJob, write_records
from tests.write.reporter import Recorder


def last_states(path: Path) -> dict[int, dict[str, Any]]:
    states: dict[int, dict[str, Any]] = {}
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        if "row" in entry:  # not the header
            states[entry["row"]] = entry
    return states


def email_counts(simulator: SimulatorHandle) -> Counter[str]:
    return Counter(str(c["email"]).lower() for c in simulator.store.records("contacts"))


def contact_rows(client_ids: list[int], n: int, prefix: str = "u") -> list[dict[str, Any]]:
    return [
        {"clientId": client_ids[i % len(client_ids)], "email": f"{prefix}{i}@x.io"}
        for i in range(n)
    ]


def test_row_errors_are_ledgered_and_the_rest_goes_on(
    conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    results = tmp_path / "r.jsonl"
    rows = [
        {"clientId": client_ids[0], "email": "a@x.io", "champion": "y"},
        {"clientId": "twelve", "email": "b@x.io"},
        {"clientId": client_ids[0], "email": None},
        {"clientId": client_ids[0], "email": "c@x.io", "champion": "perhaps"},
        {"clientId": client_ids[0], "email": "d@x.io"},
    ]
    summary = write_records(conn, WriteJob("create_contact", results=results), rows)
    assert (summary.ok, summary.error) == (2, 3)
    states = last_states(results)
    assert states[1]["status"] == states[5]["status"] == "ok"
    assert "clientId (column 'clientId'): 'twelve' is not an integer" in states[2]["error"]
    assert states[3]["error"] == "email is required but empty"
    assert "not a boolean" in states[4]["error"]
    assert all(states[r]["http_status"] is None for r in (2, 3, 4))


def test_per_item_failures_inside_a_bulk_batch(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    results = tmp_path / "r.jsonl"
    rows = contact_rows(client_ids, 10)
    rows[3]["clientId"] = 987654321  # unknown client: the server rejects that item only
    summary = write_records(conn, WriteJob("bulk_create_contacts", results=results), rows)
    assert (summary.ok, summary.error, summary.requests) == (9, 1, 1)
    states = last_states(results)
    assert states[4]["status"] == "error"
    assert states[4]["http_status"] == 404
    assert "clientId" in states[4]["error"]
    assert states[5]["status"] == "ok"
    assert states[5]["id"] is not None
    assert email_counts(simulator)["u3@x.io"] == 0


@pytest.mark.parametrize("template", ["bulk_create_contacts", "create_contact", "upsert_contact"])
def test_429_and_503_during_writes_without_duplicates(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], template: str
) -> None:
    simulator.faults.configure(rate_429=0.15, rate_503=0.15, retry_after=0, routes=[template])
    rows = contact_rows(client_ids, 300 if template.startswith("bulk") else 80)
    summary = write_records(conn, WriteJob(template, batch_size=10), rows)
    assert (summary.ok, summary.error) == (len(rows), 0), summary.first_errors
    assert simulator.stats.faults("429") > 0
    assert simulator.stats.faults("503") > 0
    # A 429 is re-sent at once; a 503 may come from a gateway after the server acted, so the
    # rows are looked up first (an upsert is simply re-sent): every fault costs a re-send.
    assert summary.resent >= simulator.stats.faults()
    assert (summary.lookups > 0) == (template != "upsert_contact")
    counts = email_counts(simulator)
    assert all(counts[r["email"]] == 1 for r in rows)


@pytest.mark.parametrize("kind", ["drop", "truncate"])
@pytest.mark.parametrize(
    "template",
    ["bulk_create_contacts", "upsert_batch_contacts", "upsert_contact", "create_contact"],
)
def test_lost_answers_settled_in_the_same_run(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], template: str, kind: str
) -> None:
    bulk = "bulk" in template or "batch" in template
    # Two faults, not three, for bulk templates: three can land on one batch, whose two
    # re-sent upserts then come back cut the same way, which is taken as the server's answer.
    simulator.faults.next(kind, 2 if bulk else 3, route=template)
    rows = contact_rows(client_ids, 250 if bulk else 40)
    summary = write_records(conn, WriteJob(template), rows)
    assert (summary.ok, summary.error) == (len(rows), 0), summary.first_errors
    counts = email_counts(simulator)
    assert all(counts[r["email"]] == 1 for r in rows)


def test_plain_create_with_lost_answer_is_reported_not_duplicated(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    results = tmp_path / "r.jsonl"
    simulator.faults.next("drop", 1, route="create_client_note")
    # create_client_note has no natural key to look a note up by: "at most once".
    rows = [{"clientId": client_ids[0], "note": f"p{i}"} for i in range(5)]
    summary = write_records(conn, WriteJob("create_client_note", results=results), rows)
    assert (summary.ok, summary.error) == (4, 1)
    unknown = [s for s in last_states(results).values() if s.get("outcome") == "unknown"]
    assert len(unknown) == 1

    # A re-run does not re-send it (the drop happened after the server acted) ...
    again = write_records(conn, WriteJob("create_client_note", results=results), rows)
    assert (again.ok, again.skipped, again.error) == (0, 4, 1)
    assert "`retry_unknown`" in again.first_errors[0][1]
    notes = Counter(p["note"] for p in simulator.store.records("client_notes"))
    assert all(notes[f"p{i}"] == 1 for i in range(5))
    # ... unless asked to.
    forced = write_records(
        conn, WriteJob("create_client_note", results=results, retry_unknown=True), rows
    )
    assert (forced.ok, forced.skipped) == (1, 4)


def test_rerun_skips_ok_rows_and_retries_failed_ones(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    results = tmp_path / "r.jsonl"
    rows = contact_rows(client_ids, 20)
    rows[7]["clientId"] = 987654321
    first = write_records(conn, WriteJob("create_contact", results=results), rows)
    assert (first.ok, first.error) == (19, 1)
    rows[7]["clientId"] = client_ids[0]  # fixed in the source; row numbers unchanged
    second = write_records(conn, WriteJob("create_contact", results=results), rows)
    assert (second.ok, second.error, second.skipped, second.requests) == (1, 0, 19, 1)
    assert all(s["status"] in ("ok", "skipped") for s in last_states(results).values())
    counts = email_counts(simulator)
    assert all(counts[r["email"]] == 1 for r in rows)


def test_bad_credentials_stop_the_run(simulator: SimulatorHandle, client_ids: list[int]) -> None:
    settings = ConnectionSettings(base_url=simulator.api_v1_url, api_key="wrong", max_attempts=1)
    with Connection(settings) as bad, pytest.raises(AuthError, match="credentials"):
        write_records(bad, WriteJob("create_contact"), contact_rows(client_ids, 50))


def test_dry_run_sends_nothing_and_masks_the_key(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    before = len(simulator.store.records("contacts"))
    shown: list[str] = []
    summary = write_records(
        conn,
        WriteJob("bulk_create_contacts", dry_run=True, results=tmp_path / "r.jsonl"),
        contact_rows(client_ids, 150),
        Recorder(requests=shown.append),
    )
    assert (summary.ok, summary.requests) == (150, 2)
    assert len(shown) == 2
    assert shown[0].splitlines()[1].startswith("POST http://127.0.0.1")
    assert simulator.api_key not in "".join(shown)
    assert '"add":[{"clientId"' in shown[0]
    assert len(simulator.store.records("contacts")) == before
    assert not (tmp_path / "r.jsonl").exists()
