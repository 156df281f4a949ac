"""Fixtures for destination tests: a real PostgreSQL schema per test, and one URL per sink kind.

`postgres_url` is reusable: copy it. It yields a `postgresql://...?schema=<fresh>` URL and drops
the schema afterwards. When the server is unreachable the test is skipped, unless
CS_REQUIRE_POSTGRES=1, in which case it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DESTINATION_KINDS = [
    "duckdb",
    pytest.param("postgresql", marks=pytest.mark.postgres),
    "jsonl",
    "csv",
    "parquet",
]


def postgres_server_url() -> str:
    """The PostgreSQL server the tests use: CS_TEST_POSTGRES_URL, else the local one."""
    return os.environ.get("CS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def connect_or_skip(url: str) -> psycopg.Connection[Any]:
    """An autocommit connection to `url`. When there is none the test is skipped, naming the
    server and why, or fails where CS_REQUIRE_POSTGRES=1."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL not reachable at {url} ({str(exc).strip().splitlines()[0]})"
        if os.environ.get("CS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}; CS_REQUIRE_POSTGRES=1 makes this a failure")
        pytest.skip(f"{reason}; set CS_TEST_POSTGRES_URL to run PostgreSQL tests")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL destination URL with a fresh schema, dropped at the end of the test."""
    base = postgres_server_url()
    con = connect_or_skip(base)
    schema = f"cs_test_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}schema={schema}"
    finally:
        con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        con.close()


@pytest.fixture(params=DESTINATION_KINDS)
def destination_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """One URL per destination kind (PostgreSQL through `postgres_url`)."""
    kind = request.param
    if kind == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    if kind == "duckdb":
        return f"duckdb:///{tmp_path / 'dest.duckdb'}"
    return f"{kind}:///{tmp_path / 'out'}"
