"""A results ledger tied to its input, and recovery that verifies (issue 15, write findings).

Each test does what a careful user (or an unlucky server) would: reuse a ledger with another
file, insert rows at the top, fix failed rows in a database table and re-run, start two runs on
one ledger, change the password in the middle of a write, or answer searches without applying
their filters. Every row must end up written exactly once, or be reported, never duplicated.
"""

from __future__ import annotations

import csv
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.errors import AuthError, ConfigError
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.write import WriteJob, write_input, write_records
from tests.reliability.helpers import ledger_states, simulator
from tests.sinks.conftest import connect_or_skip, postgres_server_url

POSTGRES = postgres_server_url()


def connect(sim: SimulatorHandle, *, password: str | None = None, **extra: Any) -> Connection:
    options: dict[str, Any] = {"max_attempts": 3, "backoff_base": 0.01, "backoff_cap": 0.02}
    settings = ConnectionSettings(
        base_url=sim.api_v1_url, username=sim.username, password=password or sim.password,
        **{**options, **extra},
    )  # fmt: skip
    return Connection(settings)


def client_ids(sim: SimulatorHandle) -> list[int]:
    return sorted(c["id"] for c in sim.store.records("clients"))


def contacts(sim: SimulatorHandle, prefix: str, n: int) -> list[dict[str, Any]]:
    ids = client_ids(sim)
    return [{"clientId": ids[i % len(ids)], "email": f"{prefix}{i}@example.com"} for i in range(n)]


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["clientId", "email"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def emails(sim: SimulatorHandle) -> Counter[str]:
    return Counter(str(c.get("email")).lower() for c in sim.store.records("contacts"))


def test_a_ledger_serves_another_file_but_not_another_template(tmp_path: Path) -> None:
    """A ledger belongs to a template on an instance, not to a file name (issue 28): another
    file's new rows are written and its known rows skipped; another template is refused."""
    with simulator(clients=5) as (sim, _):
        ledger = tmp_path / "results.jsonl"
        a_rows = contacts(sim, "a", 5)
        first = write_csv(tmp_path / "a.csv", a_rows)
        other = write_csv(tmp_path / "b.csv", a_rows + contacts(sim, "b", 5))
        with connect(sim) as conn:
            assert write_input(conn, WriteJob("create_contact", input=str(first),
                                              results=ledger)).ok == 5  # fmt: skip
            again = write_input(conn, WriteJob("create_contact", input=str(other), results=ledger))
            assert (again.ok, again.skipped) == (5, 5)
            with pytest.raises(ConfigError, match="belongs to another write"):
                write_input(conn, WriteJob("upsert_contact", input=str(first), results=ledger))
        assert all(n == 1 for n in emails(sim).values())
        assert sum(e.startswith("b") for e in emails(sim)) == 5


def test_rows_inserted_at_the_top_are_written_and_none_twice(tmp_path: Path) -> None:
    """Two rows inserted before the others: exactly those two are written on the re-run."""
    with simulator(clients=5) as (sim, _):
        ledger, path = tmp_path / "results.jsonl", tmp_path / "contacts.csv"
        rows = contacts(sim, "top", 12)
        write_csv(path, rows[2:])
        with connect(sim) as conn:
            first = write_input(conn, WriteJob("create_contact", input=str(path), results=ledger))
            write_csv(path, rows)  # the same file with two rows inserted at the top
            again = write_input(conn, WriteJob("create_contact", input=str(path), results=ledger))
        assert (first.ok, again.ok, again.skipped) == (10, 2, 10)
        assert [emails(sim)[r["email"]] for r in rows] == [1] * 12


def test_identical_rows_are_each_written_once(tmp_path: Path) -> None:
    """Two identical rows are two records; a re-run writes neither again."""
    with simulator(clients=3) as (sim, _):
        ledger = tmp_path / "results.jsonl"
        rows = [{"clientId": client_ids(sim)[0], "note": "same"}] * 2
        with connect(sim) as conn:
            assert write_records(conn, WriteJob("create_pulse", results=ledger), rows).ok == 2
            again = write_records(conn, WriteJob("create_pulse", results=ledger), rows * 2)
        assert (again.skipped, again.ok) == (2, 2)
        assert sum(p.get("note") == "same" for p in sim.store.records("pulses")) == 4


@pytest.fixture
def pg_schema() -> Iterator[tuple[psycopg.Connection[Any], str]]:
    """A fresh PostgreSQL schema (skipped when the server is unreachable)."""
    con = connect_or_skip(POSTGRES)
    schema = f"cs_input_{uuid.uuid4().hex[:10]}"
    con.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield con, schema
    finally:
        con.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        con.close()


@pytest.mark.postgres
def test_fixed_rows_of_a_postgres_table_are_written_on_the_re_run(
    tmp_path: Path, pg_schema: tuple[psycopg.Connection[Any], str]
) -> None:
    """The documented "fix the failed rows and re-run", with a PostgreSQL `?table=` input."""
    con, schema = pg_schema
    table = sql.Identifier(schema, "contacts")
    con.execute(sql.SQL("CREATE TABLE {} (id int PRIMARY KEY, \"clientId\" int, email text)")
                .format(table))  # fmt: skip
    with simulator(clients=5) as (sim, _):
        rows = contacts(sim, "pg", 10)
        for i, row in enumerate(rows):
            email = None if i in (3, 6) else row["email"]  # a required field left empty
            con.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s, %s)").format(table),
                        (i + 1, row["clientId"], email))  # fmt: skip
        url = f"{POSTGRES}?table={schema}.contacts"
        job = WriteJob("create_contact", input=url, results=tmp_path / "results.jsonl")
        with connect(sim) as conn:
            first = write_input(conn, job)
            for i in (3, 6):  # an UPDATE moves the row to the end of the table's heap
                con.execute(sql.SQL("UPDATE {} SET email = %s WHERE id = %s").format(table),
                            (rows[i]["email"], i + 1))  # fmt: skip
            again = write_input(conn, job)
        assert (first.ok, first.error) == (8, 2)
        assert (again.ok, again.skipped, again.error) == (2, 8, 0)
        assert [emails(sim)[r["email"]] for r in rows] == [1] * 10
        numbers = sorted(s["row"] for s in ledger_states(tmp_path / "results.jsonl").values())
        assert numbers == list(range(1, 11))  # read in primary-key order both times


def test_a_second_run_on_a_ledger_in_use_is_refused(tmp_path: Path) -> None:
    """While one run writes a ledger, a second run sharing it stops at once, naming the file."""
    with simulator(clients=3) as (sim, _):
        ledger = tmp_path / "results.jsonl"
        rows = contacts(sim, "lock", 20)
        started, release = threading.Event(), threading.Event()

        def slow_rows() -> Iterator[dict[str, Any]]:
            for i, row in enumerate(rows):
                if i == 5:
                    started.set()
                    release.wait(30)
                yield row

        outcome: list[Any] = []
        with connect(sim) as conn:
            job = WriteJob("create_contact", results=ledger)
            first = threading.Thread(
                target=lambda: outcome.append(write_records(conn, job, slow_rows()))
            )
            first.start()
            assert started.wait(30)
            try:
                with pytest.raises(ConfigError, match=f"{ledger.name} is in use by another run"):
                    write_records(conn, job, rows)
            finally:
                release.set()
                first.join(30)
        assert outcome[0].ok == 20
        assert [emails(sim)[r["email"]] for r in rows] == [1] * 20


@pytest.mark.parametrize("when", ["from the start", "mid-write"])
def test_a_wrong_password_leaves_nothing_unknown(when: str, tmp_path: Path) -> None:
    """A refused login sends nothing, so the re-run with the right password writes every row."""
    with simulator(clients=3) as (sim, _):
        ledger = tmp_path / "results.jsonl"
        ids = client_ids(sim)
        rows = [{"clientId": ids[i % 3], "note": f"pw-{i}"} for i in range(30)]
        right = sim.password

        def rows_then_new_password() -> Iterator[dict[str, Any]]:
            for i, row in enumerate(rows):
                if i == 10 and when == "mid-write":
                    sim.app.auth.password = "rotated-elsewhere"
                    sim.app.auth.expire_all()
                yield row

        wrong = "wrong-password" if when == "from the start" else None
        with connect(sim, password=wrong) as conn, pytest.raises(AuthError):
            write_records(conn, WriteJob("create_pulse", results=ledger), rows_then_new_password())
        states = ledger_states(ledger).values()
        assert not [s for s in states if s["status"] == "pending" or s.get("outcome")]
        sim.app.auth.password = right
        with connect(sim) as conn:
            again = write_records(conn, WriteJob("create_pulse", results=ledger), rows)
        assert again.error == 0, again.first_errors
        notes = Counter(p.get("note") for p in sim.store.records("pulses"))
        assert [notes[r["note"]] for r in rows] == [1] * 30


@pytest.mark.parametrize("template", ["create_contact", "create_client"])
def test_recovery_does_not_trust_a_search_that_ignores_its_filter(
    template: str, tmp_path: Path
) -> None:
    """A look-up answered without its filter applied settles nothing: the row is reported."""
    with simulator(clients=3, ignore_filters=("externalId", "email")) as (sim, _):
        ledger = tmp_path / "results.jsonl"
        ids = client_ids(sim)
        if template == "create_contact":
            row = {"clientId": ids[0], "email": "lost@example.com"}
            later = [{"clientId": ids[0], "email": f"later{i}@example.com"} for i in range(120)]
            count = lambda: emails(sim)["lost@example.com"]  # noqa: E731
            search = "search_contacts"
        else:
            row = {"name": "Lost Inc", "status": "ACTIVE", "active": True, "externalId": "ext-lost"}
            later = [{**row, "name": f"Later {i}", "externalId": f"ext-{i}"} for i in range(120)]
            count = lambda: sum(  # noqa: E731
                c.get("externalId") == "ext-lost" for c in sim.store.records("clients")
            )
            search = "search_clients"
        sim.faults.next("drop", 1, route=template)  # created, but the answer is lost
        sim.faults.next("503", 50, route=search)  # and the look-ups of this run fail
        with connect(sim) as conn:
            first = write_records(conn, WriteJob(template, results=ledger), [row])
            assert first.error == 1
            sim.faults.clear()
            write_records(conn, WriteJob(template), later)  # newer records push ours to page 1
            again = write_records(conn, WriteJob(template, results=ledger), [row])
        assert count() == 1
        assert again.error == 1 and "outcome unknown" in again.first_errors[0][1]


def test_deterministic_parse_errors_are_not_retried(tmp_path: Path) -> None:
    """The same unreadable answer twice ends the asking: bulk sends and look-ups stay few."""
    with simulator(clients=3) as (sim, _):
        rows = contacts(sim, "bulk", 5)
        sim.faults.next("truncate", 100, route="upsert_batch_contacts")
        with connect(sim, max_attempts=6) as conn:
            bulk = write_records(conn, WriteJob("upsert_batch_contacts"), rows)
        assert bulk.error == 5
        assert sim.stats.requests(route="upsert_batch_contacts") <= 3

        sim.faults.next("drop", 1, route="create_contact")
        sim.faults.next("truncate", 100, route="search_contacts")
        with connect(sim, max_attempts=6) as conn:
            single = write_records(conn, WriteJob("create_contact", results=tmp_path / "r.jsonl"),
                                   contacts(sim, "one", 1))  # fmt: skip
        assert single.error == 1
        assert sim.stats.requests(route="search_contacts") <= 4


def test_recovery_look_ups_run_concurrently(tmp_path: Path) -> None:
    """On a re-run, the look-ups of interrupted rows are spread over the connection's workers."""
    with simulator(clients=3, latency_ms=20) as (sim, _):
        ledger = tmp_path / "results.jsonl"
        rows = contacts(sim, "many", 16)
        sim.faults.next("drop", 16, route="create_contact")
        sim.faults.next("503", 1000, route="search_contacts")
        with connect(sim, max_concurrency=4, max_attempts=2) as conn:
            write_records(conn, WriteJob("create_contact", results=ledger), rows)
        sim.faults.clear()
        threads: set[str] = set()

        def seen(text: str) -> None:
            if "/contact/search" in text.split("\n", 1)[0]:
                threads.add(threading.current_thread().name)

        settings = ConnectionSettings(base_url=sim.api_v1_url, username=sim.username,
                                      password=sim.password, max_concurrency=4)  # fmt: skip
        with Connection(settings, on_request=seen) as conn:
            again = write_records(conn, WriteJob("create_contact", results=ledger), rows)
        assert (again.ok, again.error) == (16, 0)
        assert len(threads) > 1
        assert [emails(sim)[r["email"]] for r in rows] == [1] * 16
