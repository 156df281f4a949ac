"""Fixtures for reading from the simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clientsuccess_connector.connection import Connection
from clientsuccess_connector.simulator import SimulatorHandle
from tests.integration.helpers import connect


@pytest.fixture
def shared_connection(shared_simulator: SimulatorHandle) -> Iterator[Connection]:
    """A connection to the read-only shared simulator."""
    with connect(shared_simulator) as conn:
        yield conn
