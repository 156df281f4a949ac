"""`ok` means the destination equals the server, on servers that break what a client may assume:
one test per finding of the exact-sync issue, each on the simulator's hostile setting for it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.simulator.profile import ServerProfile


def sync(
    sim: SimulatorHandle, database: Path, stream: str, *extra: str
) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        cli, ["sync", "--stream", stream, "--destination", f"duckdb:///{database}",
              "--format", "json", "-q", *extra],
        env=sim.env(), catch_exceptions=False,
    )  # fmt: skip
    [row] = json.loads(result.stdout)["streams"]
    return result.exit_code, row


def stored(database: Path, table: str, field: str = "modifiedTime") -> dict[int, Any]:
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(f'SELECT id, "{field}" FROM {table}').fetchall()
    return {row[0]: row[1] for row in rows}


def server_ids(sim: SimulatorHandle, name: str) -> set[int]:
    return {record["id"] for record in sim.store.records(name)}


def test_a_server_that_caps_its_pages_is_read_whole(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """At most 50 records a page whatever `size` asks: 50 of 1,000 clients stored, `full ok`
    (and with counts the stream failed on every run)."""
    for counts in ("missing", "exact"):
        simulator.profile = ServerProfile(page_cap=7, counts=counts)
        database = tmp_path / f"{counts}.duckdb"
        code, row = sync(simulator, database, "contacts")
        assert code == 0 and row["error"] is None, row
        assert set(stored(database, "contacts")) == server_ids(simulator, "contacts")


def test_a_capped_server_that_echoes_the_size_asked_is_read_until_an_empty_page(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    simulator.profile = ServerProfile(page_cap=7, size_echo="asked", counts="missing")
    database = tmp_path / "d.duckdb"
    code, row = sync(simulator, database, "contacts")
    assert code == 0, row
    assert set(stored(database, "contacts")) == server_ids(simulator, "contacts")


def test_a_server_clock_behind_ours_loses_no_change(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A change the server stamps more than the overlap behind our clock was never read by
    incremental runs (three runs, still missed)."""
    simulator.profile = ServerProfile(clock_offset=-3600)
    database = tmp_path / "d.duckdb"
    code, first = sync(simulator, database, "contacts")
    assert code == 0
    assert any("s behind this machine" in note for note in first["notes"]), first["notes"]
    contact = simulator.store.records("contacts")[0]
    headers = {"X-API-Key": simulator.api_key}
    with httpx.Client(base_url=simulator.api_v1_url, headers=headers) as http:
        answer = http.patch(f"/contact/{contact['id']}", json={"firstName": "Renamed"})
        assert answer.status_code == 200, answer.text
    code, second = sync(simulator, database, "contacts")
    assert code == 0 and second["incremental"], second
    with duckdb.connect(str(database), read_only=True) as con:
        query = 'SELECT "firstName" FROM contacts WHERE id = ?'
        name = con.execute(query, [contact["id"]]).fetchone()
    assert name == ("Renamed",)


def test_a_record_listed_twice_is_not_a_shortfall(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """One record listed twice failed the stream on every run ("cannot prove complete")."""
    simulator.profile = ServerProfile(duplicates=10)
    database = tmp_path / "d.duckdb"
    for _ in range(2):
        code, row = sync(simulator, database, "contacts")
        assert code == 0 and row["error"] is None, row
    assert set(stored(database, "contacts")) == server_ids(simulator, "contacts")


def test_a_record_listed_twice_keeps_its_newest_version(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """The second copy an hour older than the record: the merge stored the copy read last,
    the older version, until the record next changed."""
    simulator.profile = ServerProfile(duplicates=20, duplicate_copy="older")
    database = tmp_path / "d.duckdb"
    for extra in ((), ("--full-refresh",)):
        code, row = sync(simulator, database, "contacts", *extra)
        assert code == 0 and row["error"] is None, row
        server = {r["id"]: r["modifiedTime"] for r in simulator.store.records("contacts")}
        kept = {k: v.isoformat() if hasattr(v, "isoformat") else v
                for k, v in stored(database, "contacts").items()}  # fmt: skip
        assert set(kept) == set(server)
        older = [k for k in server if not _same_instant(kept[k], server[k])]
        assert older == [], f"{len(older)} of {len(server)} contacts stored at an older version"


@pytest.mark.parametrize("skip", range(8))
def test_a_record_listed_twice_survives_one_empty_answer(
    simulator: SimulatorHandle, tmp_path: Path, skip: int
) -> None:
    """Found by the checker: rows listed twice (the count counts rows) and one search of the
    full read answered empty. Only one pass then showed the listing, so the run failed
    ("cannot prove the stream complete") although one more pass would have proved it. Each
    `skip` puts the empty answer on a later search: every page of the first pass, the second."""
    simulator.profile = ServerProfile(duplicates=10, duplicate_copy="older", sort="ignored")
    database = tmp_path / "d.duckdb"
    simulator.faults.next("empty", 1, route="search_contacts", skip=skip)
    code, row = sync(simulator, database, "contacts", "--full-refresh", "--deletes", "hard")
    assert code == 0 and row["error"] is None, row
    assert any("twice in every read" in note for note in row["notes"]), row["notes"]
    assert set(stored(database, "contacts")) == server_ids(simulator, "contacts")


def _same_instant(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


def test_one_empty_answer_during_a_full_refresh_deletes_nothing(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """`200 {"data": [], "totalElements": 0}` once marked all rows deleted (or removed them)."""
    database = tmp_path / "d.duckdb"
    sync(simulator, database, "clients")
    every = server_ids(simulator, "clients")
    simulator.faults.next("empty", 1, route="search_clients")
    code, row = sync(simulator, database, "clients", "--full-refresh", "--deletes", "hard")
    assert code == 0 and row["deleted_rows"] == 0  # an empty whole read is read again
    assert set(stored(database, "clients")) == every

    simulator.faults.next("empty", 2, route="search_clients")  # both witnesses answer empty
    code, row = sync(simulator, database, "clients", "--full-refresh", "--deletes", "hard")
    assert code == 1 and "max-delete-share" in row["error"]
    assert set(stored(database, "clients")) == every
    code, row = sync(simulator, database, "clients")  # from the cursor before the refresh
    assert code == 0
    assert set(stored(database, "clients")) == every


@pytest.mark.parametrize(("skip", "count"), [(s, c) for s in range(1, 6) for c in (2, 3)])
def test_an_empty_answer_after_records_were_read_proves_nothing(
    simulator: SimulatorHandle, tmp_path: Path, skip: int, count: int
) -> None:
    """A full read met an empty page, then read again by page number and met an empty first
    page ("nothing matches", count 0): that answer was taken as proof, `ok` with 20 of the
    contacts missing. `skip` and `count` place the empty answers over every page."""
    database = tmp_path / "d.duckdb"
    simulator.faults.next("empty", count, route="search_contacts", skip=skip)
    code, row = sync(simulator, database, "contacts", "--full-refresh", "--deletes", "hard")
    assert code == 0 and row["error"] is None, row  # read by keyset instead, and proven
    assert set(stored(database, "contacts")) == server_ids(simulator, "contacts")


@pytest.mark.parametrize("counts", ["exact", "missing"])
@pytest.mark.parametrize("skip", range(8))
def test_one_empty_answer_anywhere_in_a_full_read_loses_nothing(
    simulator: SimulatorHandle, tmp_path: Path, counts: str, skip: int
) -> None:
    """Found by the checker once it put the empty answer on any search, not only the first:
    on a server without counts, an empty first keyset page, or an empty page in the pass for
    records without a stamp, ended that pass as if complete: `ok` with 47 of the contacts
    missing. `skip` puts the empty answer on each search of the read in turn."""
    simulator.profile = ServerProfile(counts=counts, null_stamps=15)
    database = tmp_path / "d.duckdb"
    simulator.faults.next("empty", 1, route="search_contacts", skip=skip)
    code, row = sync(simulator, database, "contacts", "--full-refresh", "--deletes", "soft")
    assert code == 0 and row["error"] is None, row
    assert set(stored(database, "contacts")) == server_ids(simulator, "contacts")


@pytest.mark.parametrize("skip", range(10))
def test_two_empty_answers_in_a_row_anywhere_in_a_full_read_lose_nothing(
    simulator: SimulatorHandle, tmp_path: Path, skip: int
) -> None:
    """A review found that two scans for records without a stamp, each cut to nothing by an
    empty answer, agreed with each other: `ok` with 101 of 121 contacts. A run that stores
    records must store them all; a run that found none keeps no cursor (below)."""
    simulator.profile = ServerProfile(counts="missing", null_stamps=15)
    database = tmp_path / "d.duckdb"
    simulator.faults.next("empty", 2, route="search_contacts", skip=skip)
    code, row = sync(simulator, database, "contacts")
    if code == 0 and row["records"]:
        assert set(stored(database, "contacts")) == server_ids(simulator, "contacts"), row
    elif code == 0:
        assert row["cursor"] is None, row
    else:
        assert row["error"], row


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("nulls", [0, 15])
def test_records_deleted_during_a_read_without_counts_fail_nothing(
    simulator: SimulatorHandle, tmp_path: Path, seed: int, nulls: int
) -> None:
    """Deletions while a server without counts is read (10 a page) must not fail the pass for
    records without a stamp (a first version compared it with the keyset pass's count, which
    includes the records deleted since: 6 runs in 8 failed)."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("sources:\n  people:\n    template: search_contacts\n    page_size: 10\n")
    simulator.profile = ServerProfile(counts="missing", null_stamps=nulls)
    simulator.faults.configure(churn_rate=0.2, churn_modify=0, churn_create=0, churn_delete=1,
                               seed=seed)  # fmt: skip
    database = tmp_path / "d.duckdb"
    code, row = sync(simulator, database, "people", "--flow", str(flow))
    assert code == 0 and row["error"] is None, row
    assert server_ids(simulator, "contacts") <= set(stored(database, "people"))


def test_an_incremental_read_by_page_number_keeps_its_cursor_on_an_empty_answer(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """On a server stated not to sort, changes are read by page number; one empty answer
    there proved "no change" and moved the cursor past three edits, lost for good."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "server:\n  sort_honoured: false\nsources:\n  people:\n    template: search_contacts\n"
    )
    database = tmp_path / "d.duckdb"
    assert sync(simulator, database, "people", "--flow", str(flow))[0] == 0
    edited = [c["id"] for c in simulator.store.records("contacts")[:3]]
    headers = {"X-API-Key": simulator.api_key}
    with httpx.Client(base_url=simulator.api_v1_url, headers=headers) as http:
        for contact in edited:
            answer = http.patch(f"/contact/{contact}", json={"firstName": "Renamed"})
            assert answer.status_code == 200
    simulator.profile = ServerProfile(clock_offset=1800)  # half an hour on, past the overlap
    simulator.faults.next("empty", 1, route="search_contacts")
    assert sync(simulator, database, "people", "--flow", str(flow))[0] == 0
    assert sync(simulator, database, "people", "--flow", str(flow))[0] == 0
    with duckdb.connect(str(database), read_only=True) as con:
        names = dict(con.execute('SELECT id, "firstName" FROM people').fetchall())
    assert [names[c] for c in edited] == ["Renamed"] * 3


def test_a_first_read_answered_empty_twice_leaves_no_cursor(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """Two empty answers in a row (an index rebuilt for a minute) look like an empty stream.
    The run cannot tell them apart, but its cursor made every later run read only changes:
    the records hidden that minute were never read."""
    database = tmp_path / "d.duckdb"
    simulator.faults.next("empty", 2, route="search_contacts")
    code, row = sync(simulator, database, "contacts")
    assert code == 0 and row["records"] == 0 and row["cursor"] is None, row
    code, row = sync(simulator, database, "contacts")
    assert code == 0 and not row["incremental"], row
    assert set(stored(database, "contacts")) == server_ids(simulator, "contacts")
    assert row["cursor"] is not None  # records read: an incremental run follows


def test_a_stream_that_stays_empty_costs_one_request_a_run(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """With no cursor kept for an empty stream, each run reads it whole: one empty page,
    believed because the run before found it empty too (the first run asks twice)."""
    database = tmp_path / "d.duckdb"
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "sources:\n  nobody:\n    template: search_contacts\n"
        "    params: {email: nobody@nowhere.invalid}\n",
        encoding="utf-8",
    )
    asked = []
    for _ in range(3):
        simulator.stats.reset()
        code, row = sync(simulator, database, "nobody", "--flow", str(flow))
        assert code == 0 and row["records"] == 0 and row["cursor"] is None, row
        asked.append(simulator.stats.requests("search_contacts"))
    assert asked == [2, 1, 1]
    shown = CliRunner().invoke(cli, ["state", "-d", f"duckdb:///{database}"])
    assert "none: found empty, read whole next run" in shown.stdout, shown.output


def test_records_without_a_cursor_stamp_are_read(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """Records whose cursor field is null were never read by a no-count keyset pass on a server
    that sorts nulls last: 280 of 300 stored, `ok`."""
    simulator.profile = ServerProfile(null_stamps=20, counts="missing")
    database = tmp_path / "d.duckdb"
    code, row = sync(simulator, database, "contacts")
    assert code == 0, row
    assert any("have no modifiedTime" in note for note in row["notes"]), row["notes"]
    assert set(stored(database, "contacts")) == server_ids(simulator, "contacts")
