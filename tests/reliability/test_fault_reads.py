"""Fault matrix for reads: a sync under each simulator fault ends equal to the simulator.

Each scenario syncs every default stream (small pages, so there are many requests to fault)
into DuckDB, a few times with different fault seeds; churn scenarios then run one more
incremental sync with the faults off, as the guarantee is "read in that run or the next".
Lost = a record missing or stale in the destination; duplicated = an id stored twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.read.default_streams import DEFAULT_STREAMS, default_sources
from clientsuccess_connector.read.endpoint import resolve
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.simulator.profile import PRESETS, ServerProfile
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.syncing.run import SyncOptions, sync
from tests.reliability.helpers import (
    Row,
    TokenRecorder,
    all_secrets,
    compare_with_simulator,
    scan,
    simulator,
)

SEEDS = (1, 2)
PAGE_SIZE = 15


@dataclass
class Scenario:
    """One row of the read matrix."""

    name: str
    rate: str
    faults: dict[str, Any] = field(default_factory=dict)
    token_401s: int = 0  # forced invalid_token answers, spread over the run (session login)
    churn: bool = False
    timeout: float = 10.0
    session: bool = False


SCENARIOS = [
    Scenario("429 + Retry-After 0.05 s", "20%", {"rate_429": 0.2, "retry_after": 0.05}),
    Scenario("503 HTML page", "20%", {"rate_503": 0.2}),
    Scenario("dropped connection", "20%", {"rate_drop": 0.2}),
    Scenario("truncated body", "20%", {"rate_truncate": 0.2}),
    Scenario("latency spike > timeout", "15%",
             {"latency_ms": 1, "spike_rate": 0.15, "spike_ms": 500}, timeout=0.25),
    Scenario("token expiry (401 invalid_token)", "8 per run", token_401s=8, session=True),
    Scenario("churn (3 changed + 2 new per page)", "50% of pages",
             {"churn_rate": 0.5}, churn=True),
    Scenario("all of the above", "30% + churn 30%",
             {"fault_rate": 0.3, "retry_after": 0, "spike_rate": 0.1, "spike_ms": 500,
              "churn_rate": 0.3}, token_401s=4, churn=True, timeout=0.25, session=True),
]  # fmt: skip


def sources() -> dict[str, Any]:
    """The default streams with small pages."""
    return {n: resolve(replace(s, page_size=PAGE_SIZE)) for n, s in default_sources().items()}


def connection(sim: SimulatorHandle, scenario: Scenario) -> Connection:
    """A connection with quick backoff and enough attempts for a faulty API."""
    auth: dict[str, Any] = (
        {"username": sim.username, "password": sim.password}
        if scenario.session
        else {"api_key": sim.api_key}
    )
    settings = ConnectionSettings(
        base_url=sim.api_v1_url, timeout=scenario.timeout, max_attempts=12,
        backoff_base=0.01, backoff_cap=0.05, **auth,
    )  # fmt: skip
    return Connection(settings)


def run_sync(sim: SimulatorHandle, scenario: Scenario, url: str) -> list[str]:
    """One sync of every default stream; returns the error texts (stream errors included)."""
    with connection(sim, scenario) as conn, open_sink(url) as sink:
        results = sync(conn, sink, sources(), SyncOptions(batch_size=40))
    return [f"{r.stream}: {r.error}" for r in results if r.error]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name.split(" ")[0])
def test_sync_under_faults_equals_the_simulator(
    scenario: Scenario, tmp_path: Path, results_table: list[Row]
) -> None:
    records = lost = duplicated = runs = 0
    errors: list[str] = []
    secrets_found: list[str] = []
    for seed in SEEDS:
        with simulator(seed=seed) as (sim, tokens):
            url = f"duckdb:///{tmp_path / f'seed{seed}.duckdb'}"
            sim.faults.configure(seed=seed, **scenario.faults)
            for i in range(scenario.token_401s):
                sim.faults.next("401", 1, method="GET", skip=3 + 5 * i)
            errors += run_sync(sim, scenario, url)
            runs += 1
            if scenario.churn:  # what changed during the run is read by the next one
                sim.faults.off()
                errors += run_sync(sim, scenario, url)
                runs += 1
            assert sim.stats.faults() > 0 or scenario.churn or scenario.token_401s == 0
            n, missing, twice = compare_with_simulator(sim, url)
            records, lost, duplicated = records + n, lost + missing, duplicated + twice
            secrets_found += scan(
                all_secrets(tokens), texts=errors, paths=[tmp_path / f"seed{seed}.duckdb"]
            )
            assert not isinstance(tokens, TokenRecorder) or not scenario.session or tokens.tokens
    results_table.append(
        Row("reads", scenario.name, scenario.rate, f"{len(DEFAULT_STREAMS)} default",
            runs, records, lost, duplicated, len(secrets_found))
    )  # fmt: skip
    assert errors == []
    assert (lost, duplicated) == (0, 0)
    assert secrets_found == []


@pytest.mark.parametrize("profile", PRESETS.values(), ids=PRESETS.keys())
def test_sync_under_churn_equals_the_simulator_on_every_server(
    profile: ServerProfile, tmp_path: Path
) -> None:
    """Churn while paging, then a quiet run: nothing lost or duplicated whatever the server."""
    churn = next(s for s in SCENARIOS if s.churn)
    with simulator(seed=1, profile=profile) as (sim, _):
        url = f"duckdb:///{tmp_path / 'churn.duckdb'}"
        sim.faults.configure(seed=1, **churn.faults)
        errors = run_sync(sim, churn, url)
        sim.faults.off()
        errors += run_sync(sim, churn, url)
        _, lost, duplicated = compare_with_simulator(sim, url)
    assert errors == []
    assert (lost, duplicated) == (0, 0)
