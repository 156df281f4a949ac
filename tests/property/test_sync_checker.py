"""The generative checker: random hostile servers x churn x user actions, one invariant.

**A run that reports `ok` leaves the destination equal to the server; any other run says which
stream and why.** Hypothesis draws a server profile from the hostile behaviours the simulator
plays (coarse or inclusive `modifiedAfter`, ignored sorts, missing counts, capped pages that
echo the size used or the size asked, a clock ahead or behind, records listed twice), then a
sequence of steps: creates, updates and deletes on the server, syncs (incremental or full
refresh, each delete mode), syncs killed part way, syncs meeting one or two empty answers, a
dropped table (or a moved file: the destination is DuckDB, PostgreSQL when a server
is reachable, or JSON lines). After every completed sync:

- a stream that says `ok` holds every record the server lists, each at the server's version
  (its `modifiedTime`), and after an `ok` full refresh that reconciled deletes, nothing else;
- a stream that does not say `ok` names its error.

`make test` replays a fixed-seed slice (`CS_CHECKER_EXAMPLES`, default 8 examples of up to 8
steps). `make check-long` runs many more; docs/reliability.md records the last long run.
It also draws null stamps, a lagging replica and older duplicate rows; docs/reliability.md says
what the tool does at the edges of what it draws.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import duckdb
import httpx
import psycopg
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.sinks.conftest import connect_or_skip, postgres_server_url

from clientsuccess_connector.cli import cli
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp
from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator
from clientsuccess_connector.simulator.profile import ServerProfile
from clientsuccess_connector.sinks import open_sink

STREAM = "contacts"
EXAMPLES = int(os.environ.get("CS_CHECKER_EXAMPLES", "8"))
STEPS = int(os.environ.get("CS_CHECKER_STEPS", "8"))
POSTGRES = postgres_server_url()


def _postgres_reachable() -> bool:
    """Whether the checker may draw PostgreSQL (CS_REQUIRE_POSTGRES=1: it must)."""
    if os.environ.get("CS_REQUIRE_POSTGRES") == "1":
        connect_or_skip(POSTGRES).close()  # fails naming the server when it cannot connect
        return True
    try:
        psycopg.connect(POSTGRES, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


DESTINATIONS = ["duckdb", "jsonl", *(["postgresql"] if _postgres_reachable() else [])]

profiles = st.builds(
    ServerProfile,
    after_precision=st.sampled_from(["ms", "second", "day"]),
    after_compare=st.sampled_from(["after", "at_or_after"]),
    sort=st.sampled_from(["honoured", "ignored"]),
    counts=st.sampled_from(["exact", "missing"]),
    page_cap=st.sampled_from([0, 0, 7, 40]),
    size_echo=st.sampled_from(["used", "asked"]),
    clock_offset=st.sampled_from([0, 0, -900, 900]),
    duplicates=st.sampled_from([0, 0, 10]),
    duplicate_copy=st.sampled_from(["same", "older"]),
    null_stamps=st.sampled_from([0, 0, 15]),
    visibility_lag=st.sampled_from([0, 0, 0, 1]),
    lag_spread=st.sampled_from(["fixed", "random"]),
)


def _stamp(value: Any) -> str | None:
    moment = parse_timestamp(value) if not hasattr(value, "tzinfo") else value
    return None if moment is None else format_timestamp(moment)


def _at_least(stored: str | None, listed: str | None, newer_allowed: bool) -> bool:
    """`stored` is the version `listed` (or, when `newer_allowed`, a newer one)."""
    if stored == listed or not newer_allowed:
        return stored == listed
    if stored is None or listed is None:
        return listed is None
    newer, older = parse_timestamp(stored), parse_timestamp(listed)
    return newer is not None and older is not None and newer > older


class SyncChecker(RuleBasedStateMachine):
    """One simulator, one destination (DuckDB, JSON lines or PostgreSQL), and the steps a
    user and a server take."""

    def __init__(self) -> None:
        super().__init__()
        self._folder = TemporaryDirectory()
        self.database = Path(self._folder.name) / "checker.duckdb"
        self.url = f"duckdb:///{self.database}"  # or another destination (drawn in `start`)
        self.schema: str | None = None  # the case's own PostgreSQL schema
        self._sim_context: Any = None
        self.sim: SimulatorHandle | None = None
        self.last: tuple[int, dict[str, Any], bool] | None = None
        self.blind = False  # the last sync met two empty answers in a row
        self.before: dict[int, str | None] = {}  # what the server listed as the last sync began
        self.lag = False  # the server's searches lag its changes (a replica)
        self.serial = 0
        self.friendly = False

    @initialize(profile=profiles, seed=st.integers(1, 50),
                destination=st.sampled_from(DESTINATIONS))  # fmt: skip
    def start(self, profile: ServerProfile, seed: int, destination: str = "duckdb") -> None:
        if destination == "jsonl":
            self.url = f"jsonl:///{Path(self._folder.name) / 'out'}"
        if destination == "postgresql":
            self.schema = f"cs_checker_{uuid.uuid4().hex[:12]}"
            self.url = f"{POSTGRES}{'&' if '?' in POSTGRES else '?'}schema={self.schema}"
        event(f"destination {destination}")
        self._sim_context = run_simulator(SimulatorConfig(clients=12, seed=seed, profile=profile))
        self.sim = self._sim_context.__enter__()
        self.friendly = profile == ServerProfile()  # where no run has a reason to fail
        self.lag = profile.visibility_lag > 0

    def teardown(self) -> None:
        if self._sim_context is not None:
            self._sim_context.__exit__(None, None, None)
        if self.schema is not None:
            self._postgres(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self._folder.cleanup()

    def _postgres(self, statement: str) -> None:
        with psycopg.connect(POSTGRES, autocommit=True) as con:
            con.execute(statement.encode())

    # -- the server changes -------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        assert self.sim is not None
        headers = {"X-API-Key": self.sim.api_key}
        return httpx.Client(base_url=self.sim.api_v1_url, headers=headers, timeout=10)

    @rule(count=st.integers(1, 4))
    def create(self, count: int) -> None:
        assert self.sim is not None
        client = self.sim.store.records("clients")[0]["id"]
        with self._http() as http:
            for _ in range(count):
                self.serial += 1
                body = {"clientId": client, "firstName": f"New{self.serial}",
                        "lastName": "Checker", "email": f"c{self.serial}@example.com"}  # fmt: skip
                assert http.post("/contact", json=body).status_code in (200, 201)

    @rule(data=st.data())
    def update(self, data: st.DataObject) -> None:
        assert self.sim is not None
        records = self.sim.store.records(STREAM)
        chosen = data.draw(st.lists(st.sampled_from(records), min_size=1, max_size=4))
        with self._http() as http:
            for record in chosen:
                self.serial += 1
                answer = http.patch(f"/contact/{record['id']}", json={"title": f"T{self.serial}"})
                assert answer.status_code in (200, 404)  # deleted meanwhile by another step

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        assert self.sim is not None
        records = self.sim.store.records(STREAM)
        if len(records) > 5:
            record = data.draw(st.sampled_from(records))
            self.sim.store.delete(STREAM, record["id"])

    @rule(full_refresh=st.booleans(), deletes=st.sampled_from(["soft", "hard", "off"]),
          empties=st.sampled_from([1, 1, 2]), skip=st.integers(0, 3))  # fmt: skip
    def sync_meeting_empty_answers(
        self, full_refresh: bool, deletes: str, empties: int, skip: int
    ) -> None:
        """An index being rebuilt: `empties` searches in a row, after `skip` others, answer a
        well-formed empty page. An incremental run that meets them may only delay a change to
        the next run, which the invariant then checks as any."""
        self._sync(full_refresh, deletes, empty_answers=(empties, skip))

    # -- the user acts ------------------------------------------------------------------------

    @rule()
    def drop_table(self) -> None:
        """The user drops the table (a database) or moves the stream's file away (JSON lines)."""
        if self.schema is not None:
            self._postgres(f"DROP TABLE IF EXISTS {self.schema}.{STREAM}")
            return
        if self.url.startswith("jsonl:"):
            data = Path(self._folder.name) / "out" / f"{STREAM}.jsonl"
            if data.exists():
                data.rename(Path(self._folder.name) / f"moved-{self.serial}.jsonl")
                self.serial += 1
            return
        if not self.database.exists():
            return
        with duckdb.connect(str(self.database)) as con:
            con.execute(f"DROP TABLE IF EXISTS {STREAM}")

    @rule(full_refresh=st.booleans(), after_ms=st.integers(20, 400))
    def killed_sync(self, full_refresh: bool, after_ms: int) -> None:
        """A sync killed (SIGKILL) part way, as a crash or an impatient scheduler does."""
        assert self.sim is not None
        self.sim.faults.configure(latency_ms=10)  # long enough a run to kill inside
        command = [sys.executable, "-m", "clientsuccess_connector", *self._args(full_refresh)]
        env = {**os.environ, **self.sim.env()}
        with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) as process:  # fmt: skip
            time.sleep(after_ms / 1000)
            process.kill()
        self.sim.faults.configure(latency_ms=0)

    def _args(self, full_refresh: bool, deletes: str = "soft") -> list[str]:
        args = ["sync", "--stream", STREAM, "--destination", self.url,
                "--format", "json", "-q", "--deletes", deletes]  # fmt: skip
        return [*args, "--full-refresh"] if full_refresh else args

    @rule(full_refresh=st.booleans(), deletes=st.sampled_from(["soft", "hard", "off"]))
    def sync(self, full_refresh: bool, deletes: str) -> None:
        self._sync(full_refresh, deletes)

    def _sync(
        self, full_refresh: bool, deletes: str, empty_answers: tuple[int, int] = (0, 0)
    ) -> None:
        assert self.sim is not None
        args = self._args(full_refresh, deletes)
        self.before = self._listed() if self.lag else {}
        count, skip = empty_answers
        if count:  # after the listing above, which must not use them up
            self.sim.faults.next("empty", count, route="search_contacts", skip=skip)
        # What no run can tell from an empty stream (two in a row) or from no change (any
        # empty answer to an incremental run that has a cursor to keep).
        self.blind = count >= 2 or (count >= 1 and not full_refresh)
        result = CliRunner().invoke(cli, args, env=self.sim.env(), catch_exceptions=False)
        assert result.exit_code in (0, 1), result.output
        [row] = json.loads(result.stdout)["streams"]
        self.last = (result.exit_code, row, full_refresh and deletes != "off")
        self.sim.faults.clear()  # an empty answer the sync did not use up does not linger

    # -- the invariant ------------------------------------------------------------------------

    @invariant()
    def ok_means_equal(self) -> None:
        if self.last is None:
            return
        code, row, reconciled = self.last
        self.last = None
        event(f"sync {row['status']}" + (f": {row['error'][:60]}" if row["error"] else ""))
        if row["status"] != "ok":
            assert code == 1 and row["error"], row  # a failed run says which stream and why
            # Failing is no way out: on the exact server every run must succeed.
            assert not self.friendly, f"a sync failed on the exact server: {row['error']}"
            return
        assert code == 0 and row["error"] is None
        if self.blind:
            # No run can tell these answers from an empty stream or from no change; what it
            # must not do is delete anything, or keep a cursor that hides records from the
            # next run: the next sync is held to the invariant as any.
            assert not row["deleted_rows"], row
            if not row["incremental"] and row["records"] == 0:
                assert row["cursor"] is None, row
            if row["incremental"] or row["records"] == 0:
                return
        after = self._listed()
        # On a lagging server a change may show only after the run: the run owes what the
        # server listed when it began and still lists (a delete may show while it reads), at
        # that version or a newer one it saw.
        server = {k: v for k, v in self.before.items() if k in after} if self.lag else after
        stored = self._stored()
        missing = sorted(set(server) - set(stored))
        assert not missing, f"ok, but {len(missing)} record(s) missing: {missing[:5]}; {row}"
        stale = sorted(i for i in server if not _at_least(stored[i], server[i], self.lag))
        assert not stale, f"ok, but {len(stale)} stale: {stale[:5]}; {row}"
        if reconciled and row["deletes"] in ("soft", "hard"):
            extra = sorted(set(stored) - set(after) - set(self.before))
            assert not extra, f"ok full refresh, but {len(extra)} deleted kept: {extra[:5]}"

    def _listed(self) -> dict[int, str | None]:
        """What the server's API lists (the truth a destination must equal): every page of
        the search to an empty one, a record listed twice kept once at its newest version."""
        listed: dict[int, str | None] = {}
        with self._http() as http:
            for page in range(10_000):
                body = http.get("/contact/search", params={"page": page, "size": 500}).json()
                if not body["data"]:
                    return listed
                for record in body["data"]:
                    stamp = _stamp(record.get("modifiedTime"))
                    known = listed.get(record["id"], stamp)
                    listed[record["id"]] = stamp if _at_least(stamp, known, True) else known
        raise AssertionError("the server's search never ended")

    def _stored(self) -> dict[int, str | None]:
        """The live rows of the destination: id -> stamp (rows marked deleted left out)."""
        with open_sink(self.url, read_only=True) as sink:
            if STREAM not in sink.streams():
                return {}
            rows = sink.read_rows(STREAM)
        return {r["id"]: _stamp(r.get("modifiedTime")) for r in rows
                if r.get("_cs_deleted_at") is None}  # fmt: skip


SHRINK = os.environ.get("CS_CHECKER_SHRINK", "1") != "0"  # 0: report the first case found
SyncChecker.TestCase.settings = settings(
    max_examples=EXAMPLES,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, *([Phase.shrink] if SHRINK else [])],
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_ok_means_the_destination_equals_the_server = SyncChecker.TestCase
