"""Shared fixtures: the ClientSuccess simulator, served over real loopback HTTP.

- `simulator`: a fresh simulator per test (30 clients, seed 1). Write to it, inject faults.
- `shared_simulator`: one simulator for the whole session (100 clients, seed 7). READ-ONLY:
  do not write to it or leave faults switched on.

Both yield a `SimulatorHandle`: `base_url`, `api_v1_url`, `v2_url`, `auth_url`, `api_key`,
`username`, `password`, `faults`, `store`, `stats`, `env()`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings

from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator

# Property tests explore new random cases on every local run ("explore"); CI replays a fixed
# sequence ("ci", derandomized) so that a gate never fails on a case nobody has seen yet.
settings.register_profile("explore", print_blob=True)
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("CS_HYPOTHESIS_PROFILE", "explore"))


TESTS = Path(__file__).parent
SLOW_FOLDERS = ("packaging", "singer")
"""Folders whose every test is slow (a wheel built and installed, a Singer target in its own
venv); a test that drives the browser (the `browser` fixture) is slow wherever it is, and single
tests are marked `slow` by hand (kills, crashes)."""
SERIAL_FOLDERS = ("packaging", "singer", "reliability")
"""Folders whose tests share an expensive or session-wide resource (the built wheel, an
installed target, a results table): under `pytest -n`, each runs in one worker
(`--dist loadgroup`), so it is made once."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark slow folders and browser tests `slow`, and keep each serial folder in one xdist
    worker."""
    for item in items:
        parts = item.path.relative_to(TESTS).parts if item.path.is_relative_to(TESTS) else ()
        folder = parts[0] if parts else ""
        if folder in SLOW_FOLDERS or "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
        if folder in SERIAL_FOLDERS:
            item.add_marker(pytest.mark.xdist_group(folder))


@pytest.fixture
def simulator() -> Iterator[SimulatorHandle]:
    """A fresh simulator for one test: 30 clients, seed 1, no faults."""
    with run_simulator(SimulatorConfig(clients=30, seed=1)) as sim:
        yield sim


@pytest.fixture(scope="session")
def shared_simulator() -> Iterator[SimulatorHandle]:
    """One read-only simulator for the session: 100 clients, seed 7. Do not write to it."""
    with run_simulator(SimulatorConfig(clients=100, seed=7)) as sim:
        yield sim


@pytest.fixture
def sim_client(simulator: SimulatorHandle) -> Iterator[httpx.Client]:
    """An httpx client on the fresh simulator's /api/v1 base, sending the API key."""
    with httpx.Client(
        base_url=simulator.api_v1_url, headers={"X-API-Key": simulator.api_key}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def shared_client(shared_simulator: SimulatorHandle) -> Iterator[httpx.Client]:
    """An httpx client on the shared simulator's /v2 base, sending the API key."""
    with httpx.Client(
        base_url=shared_simulator.v2_url,
        headers={"X-API-Key": shared_simulator.api_key},
        timeout=10,
    ) as client:
        yield client
