"""Two syncs into one PostgreSQL schema at the same moment both succeed.

They used to race to create the schema and the tables: one ended in "unexpected
UniqueViolation ... (this is a bug)" or a stream failed with "relation already exists".
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.sinks import open_sink

pytestmark = pytest.mark.postgres
pytest_plugins = ["tests.sinks.conftest"]
ROUNDS = 3


@pytest.fixture
def schemas(postgres_url: str) -> Iterator[list[str]]:
    """ROUNDS fresh schema URLs beside the fixture's, dropped at the end."""
    urls = [f"{postgres_url}_{n}" for n in range(ROUNDS)]
    yield urls
    base, _, schema = postgres_url.partition("?schema=")
    with psycopg.connect(base, autocommit=True) as con:
        for n in range(ROUNDS):
            name = sql.Identifier(f"{schema}_{n}")
            con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(name))


def test_two_syncs_racing_to_create_the_schema_and_tables_both_succeed(
    simulator: SimulatorHandle, schemas: list[str]
) -> None:
    """Two processes start at once, round after round, each time into a new schema."""
    env = {**os.environ, **simulator.env()}
    for url in schemas:
        command = [sys.executable, "-m", "clientsuccess_connector", "sync", "--destination", url]
        runs = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        for run in runs:
            _, err = run.communicate(timeout=240)
            text = err.decode()
            assert run.returncode == 0, text
            assert "this is a bug" not in text and "already exists" not in text
        with open_sink(url) as sink:
            assert sink.row_count("clients") == len(simulator.store.records("clients"))
