"""Fixtures for the dlt source: a pipeline per test (its working dir in tmp_path), into DuckDB
or into a fresh schema of the real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dlt
import pytest
from psycopg import sql

from tests.sinks.conftest import connect_or_skip, postgres_server_url


@pytest.fixture(autouse=True)
def _no_inherited_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No CLIENTSUCCESS_* or dlt SOURCES__* variable leaks in; dlt's project dir is tmp_path."""
    for name in list(os.environ):
        if name.startswith(("CLIENTSUCCESS_", "SOURCES__", "DESTINATION__")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CLIENTSUCCESS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def duckdb_pipeline(tmp_path: Path) -> dlt.Pipeline:
    """A dlt pipeline into a DuckDB file, dataset `clientsuccess`."""
    return dlt.pipeline(
        pipeline_name="cs_duckdb",
        destination=dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb")),
        dataset_name="clientsuccess",
        pipelines_dir=str(tmp_path / "pipelines"),
    )


@pytest.fixture
def postgres_pipeline(tmp_path: Path) -> Iterator[dlt.Pipeline]:
    """A dlt pipeline into a fresh dataset (schema) of the PostgreSQL server, dropped after."""
    url = postgres_server_url()
    con = connect_or_skip(url)
    dataset = f"cs_dlt_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(url)
    if parts.password is None:  # dlt insists on one; a server with trust auth ignores it
        netloc = f"{parts.username or 'postgres'}:unused@{parts.hostname}:{parts.port or 5432}"
        url = urlunsplit(parts._replace(netloc=netloc))
    try:
        yield dlt.pipeline(
            pipeline_name="cs_postgres",
            destination=dlt.destinations.postgres(url),
            dataset_name=dataset,
            pipelines_dir=str(tmp_path / "pipelines"),
        )
    finally:
        for schema in (dataset, f"{dataset}_staging"):
            con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        con.close()
