"""Fixtures for write tests: a Connection on the fresh simulator, and a row-writer helper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.simulator import SimulatorHandle


@pytest.fixture
def conn(simulator: SimulatorHandle) -> Iterator[Connection]:
    """A Connection to the fresh simulator with quick backoff (4 requests in flight)."""
    settings = ConnectionSettings(
        base_url=simulator.api_v1_url,
        api_key=simulator.api_key,
        max_concurrency=4,
        backoff_base=0.01,
        backoff_cap=0.05,
        max_attempts=8,
    )
    with Connection(settings) as connection:
        yield connection


@pytest.fixture
def client_ids(simulator: SimulatorHandle) -> list[int]:
    """Ids of the seeded clients."""
    return sorted(c["id"] for c in simulator.store.records("clients"))
