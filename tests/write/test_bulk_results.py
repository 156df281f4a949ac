"""Bulk answers are checked before their ids are believed (issue 28, item 2): a server that
numbers results from 1, or answers them out of order, never gives a row another row's id."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from clientsuccess_connector.catalog.overrides import effective_template, parse_overrides
from clientsuccess_connector.connection import Connection
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.write import WriteJob, write_records


def contact_rows(client_ids: list[int], n: int) -> list[dict[str, Any]]:
    return [{"clientId": client_ids[i % 3], "email": f"bulk{i}@x.io"} for i in range(n)]


def ledger_ids(path: Path) -> dict[int, Any]:
    lines = [json.loads(x) for x in path.read_text().splitlines()[1:]]
    return {line["row"]: line["id"] for line in lines if line["status"] == "ok"}


def real_ids(simulator: SimulatorHandle, rows: list[dict[str, Any]]) -> dict[int, Any]:
    by_email = {str(c["email"]).lower(): c["id"] for c in simulator.store.records("contacts")}
    return {n + 1: by_email[row["email"]] for n, row in enumerate(rows)}


def emails(simulator: SimulatorHandle) -> list[str]:
    return [str(c["email"]).lower() for c in simulator.store.records("contacts")]


def test_one_based_results_are_settled_by_look_up_not_shifted(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    """Results numbered 1..10 for 10 items: every ledger id is its own row's contact."""
    simulator.profile = replace(simulator.profile, bulk_results="one-based")
    results = tmp_path / "r.jsonl"
    rows = contact_rows(client_ids, 10)
    summary = write_records(conn, WriteJob("bulk_create_contacts", results=results), rows)
    assert (summary.ok, summary.error) == (10, 0), summary.first_errors
    assert ledger_ids(results) == real_ids(simulator, rows)
    assert summary.lookups >= 10  # the batch's rows were looked up, none re-sent
    assert summary.resent == 0
    assert sorted(emails(simulator)).count("bulk0@x.io") == 1


def test_shuffled_results_are_matched_by_their_index(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    """Zero-based results in another order need no look-up: each goes to its own row."""
    simulator.profile = replace(simulator.profile, bulk_results="shuffled")
    results = tmp_path / "r.jsonl"
    rows = contact_rows(client_ids, 10)
    summary = write_records(conn, WriteJob("bulk_create_contacts", results=results), rows)
    assert (summary.ok, summary.requests) == (10, 1)
    assert ledger_ids(results) == real_ids(simulator, rows)


def test_a_flow_states_one_based_numbering(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    """`results_index_base: 1` in a flow's `templates:` block reads such a server directly."""
    simulator.profile = replace(simulator.profile, bulk_results="one-based")
    overrides = parse_overrides(
        {"bulk_create_contacts": {"results_index_base": 1}}, "flow.yaml: templates"
    )
    template = effective_template("bulk_create_contacts", overrides)
    results = tmp_path / "r.jsonl"
    rows = contact_rows(client_ids, 10)
    summary = write_records(
        conn, WriteJob("bulk_create_contacts", results=results), rows, template=template
    )
    assert (summary.ok, summary.requests, summary.lookups) == (10, 1, 0)
    assert ledger_ids(results) == real_ids(simulator, rows)


def test_an_upsert_batch_with_unusable_results_is_never_mis_assigned(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    """An upsert may be sent again; whatever comes back, no row carries another row's id."""
    simulator.profile = replace(simulator.profile, bulk_results="one-based")
    results = tmp_path / "r.jsonl"
    rows = contact_rows(client_ids, 10)
    summary = write_records(conn, WriteJob("upsert_batch_contacts", results=results), rows)
    assert summary.ok + summary.error == 10
    real = real_ids(simulator, rows)
    assert all(real[row] == ident for row, ident in ledger_ids(results).items())
    assert all("outcome unknown" in error for _, error in summary.first_errors)
    assert all("set `results_index_base: 1`" in error for _, error in summary.first_errors)
    assert sorted(emails(simulator)).count("bulk0@x.io") == 1
