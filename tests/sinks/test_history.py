"""History mode: two syncs with changes between them leave exactly the versions the server went
through, in every destination; the table itself still shows the newest version."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.integration.helpers import connect

from clientsuccess_connector.cli import cli
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.default_streams import default_sources
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.simulator import SimulatorHandle, run_simulator
from clientsuccess_connector.simulator.health import drift
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.sinks.history import (
    VALID_FROM,
    VALID_TO,
    History,
    row_hash,
    wants_history,
)
from clientsuccess_connector.syncing.run import SyncOptions, sync

STREAMS = ("clients", "contracts", "contacts")


def run(sim: SimulatorHandle, url: str, **options: Any) -> None:
    specs = default_sources()
    sources = {name: resolve(specs[name]) for name in STREAMS}
    with connect(sim) as conn, open_sink(url) as sink:
        results = sync(conn, sink, sources, SyncOptions(history=True, **options))
    assert all(r.error is None for r in results), [r.error for r in results]


def versions(url: str) -> dict[str, dict[int, list[dict[str, Any]]]]:
    """Per stream, each record's versions oldest first."""
    out: dict[str, dict[int, list[dict[str, Any]]]] = {}
    with open_sink(url) as sink:
        for stream in STREAMS:
            by_id: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for row in sink.read_rows(f"{stream}__history"):
                by_id[int(row["id"])].append(row)
            out[stream] = {k: sorted(v, key=lambda r: r[VALID_FROM]) for k, v in by_id.items()}
    return out


def server(sim: SimulatorHandle) -> dict[str, dict[int, str]]:
    return {s: {r["id"]: row_hash(r) for r in sim.store.records(s)} for s in STREAMS}


def test_two_syncs_keep_every_version(destination_url: str) -> None:
    """Sync, let time pass (scores drift, contracts renew or lapse, contacts change title, a
    client is deleted), sync again: one version per state each record was in at a sync."""
    with run_simulator(clients=20, seed=3) as sim:
        run(sim, destination_url)
        first = server(sim)
        changed = drift(sim.store, 0.5)
        gone = next(iter(sorted(first["clients"])))
        sim.store.delete("clients", gone)
        run(sim, destination_url, full_refresh=True)  # a full refresh also finds deletions
        second = server(sim)
        latest_clients = sim.store.records("clients")
        run(sim, destination_url)  # nothing changed: nothing added
    kept = versions(destination_url)
    total = 0
    for stream in STREAMS:
        expected: dict[int, list[str]] = defaultdict(list)
        for state in (first, second):
            for rid, digest in state[stream].items():
                if not expected[rid] or expected[rid][-1] != digest:
                    expected[rid].append(digest)
        got = {rid: [v["_cs_row_hash"] for v in rows] for rid, rows in kept[stream].items()}
        assert got == dict(expected), stream
        total += sum(len(v) for v in got.values())
        for rid, rows in kept[stream].items():
            for older, newer in itertools.pairwise(rows):
                assert older[VALID_TO] == newer[VALID_FROM]
            still_there = rid in second[stream]
            assert (rows[-1][VALID_TO] is None) == still_there, (stream, rid)
    assert changed["clients"] >= 5 and changed["contracts"] >= 1
    records = sum(len(first[s]) for s in STREAMS)
    new_or_changed = sum(
        1 for s in STREAMS for rid, h in second[s].items() if first[s].get(rid) != h
    )
    assert total == records + new_or_changed
    with open_sink(destination_url) as sink:  # the table itself: the newest version
        rows = sink.read_rows("clients")
    scores = {r["id"]: r["successScore"] for r in rows if r["_cs_deleted_at"] is None}
    assert scores == {c["id"]: c["successScore"] for c in latest_clients}
    assert [r["id"] for r in rows if r["_cs_deleted_at"] is not None] == [gone]


def test_history_is_chosen_per_source() -> None:
    """`--history` turns it on for every stream; otherwise a source's `history:` decides."""
    assert wants_history(None, True, "clients") and wants_history("scd2", False, "clients")
    assert not wants_history(None, False, "clients") and not wants_history("off", False, "c")
    with pytest.raises(ConfigError, match="not one of scd2, off"):
        wants_history("always", False, "clients")
    spec = SourceSpec(name="clients", template="search_clients", history="scd2")
    assert resolve(spec).history == "scd2"


def test_snake_case_columns_take_the_versions(tmp_path: Path) -> None:
    """With naming=snake_case a closed version lands in `client_id`, not a new column."""

    url = f"duckdb:///{tmp_path / 's.duckdb'}?naming=snake_case"
    with open_sink(url) as sink:
        history = History(sink, "client_notes", ("noteId",))
        assert history.record([{"noteId": 1, "clientId": 7, "subject": "a"}]) == 1
        assert history.record([{"noteId": 1, "clientId": 7, "subject": "a"}]) == 0
    with open_sink(url) as sink:  # a later run: current versions read back from the table
        history = History(sink, "client_notes", ("noteId",))
        assert history.record([{"noteId": 1, "clientId": 7, "subject": "b"}]) == 1
        columns = [c.name for c in sink.schema("client_notes__history")]
        rows = sink.read_rows("client_notes__history")
    assert columns[:3] == ["note_id", "client_id", "subject"] and "client_id_2" not in columns
    assert sorted(r["subject"] for r in rows) == ["a", "b"]
    assert sum(r["_cs_valid_to"] is None for r in rows) == 1


def test_hard_deletes_close_the_version_and_the_cli_flag(tmp_path: Path) -> None:
    """`sync --history` from the command line; a hard delete removes the row and ends its
    record's current version, which stays in the history."""
    url = f"duckdb:///{tmp_path / 'h.duckdb'}"
    with run_simulator(clients=8, seed=4) as sim:
        args = ["sync", "--history", "--stream", "clients", "--destination", url, "-q"]
        first = CliRunner().invoke(cli, args, env=sim.env())
        assert first.exit_code == 0, first.output
        gone = sorted(r["id"] for r in sim.store.records("clients"))[0]
        sim.store.delete("clients", gone)
        again = [*args, "--full-refresh", "--deletes", "hard"]
        second = CliRunner().invoke(cli, again, env=sim.env())
        assert second.exit_code == 0, second.output
    with open_sink(url, read_only=True) as sink:
        assert gone not in {r["id"] for r in sink.read_rows("clients")}
        kept = [r for r in sink.read_rows("clients__history") if r["id"] == gone]
        assert sink.row_count("clients__history") == 8
    assert len(kept) == 1 and kept[0][VALID_TO] is not None
