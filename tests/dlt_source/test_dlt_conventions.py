"""The dlt source as dlt users expect it: typed columns from the first run (no warnings),
deletes after a proven full read, and the cursor as `dlt.sources.incremental` arguments."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import dlt
import pytest

from clientsuccess_connector.dlt import clientsuccess_source
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.simulator import SimulatorHandle
from tests.dlt_source.test_dlt_source import landed


@pytest.fixture
def dlt_warnings() -> Iterator[list[str]]:
    """The warnings dlt logs while the test runs."""
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Keep(logging.WARNING)
    logger = logging.getLogger("dlt")
    logger.addHandler(handler)
    yield seen
    logger.removeHandler(handler)


def source(sim: SimulatorHandle, **args: object) -> object:
    """The source on the simulator."""
    return clientsuccess_source(base_url=sim.api_v1_url, api_key=sim.api_key, **args)


def test_a_first_run_warns_about_no_untyped_column(
    simulator: SimulatorHandle, duckdb_pipeline: dlt.Pipeline, dlt_warnings: list[str]
) -> None:
    """Fields null in every record get a type from the template (or text): dlt infers none."""
    duckdb_pipeline.run(source(simulator))
    assert not [w for w in dlt_warnings if "could not have their types inferred" in w]
    columns = duckdb_pipeline.default_schema.get_table_columns("clients")
    assert all(c.get("data_type") for c in columns.values())


def test_a_full_refresh_removes_deleted_records(
    simulator: SimulatorHandle, duckdb_pipeline: dlt.Pipeline
) -> None:
    """After a run that noted the keys, a deleted note stays through an incremental run and
    is removed by a full refresh (a proven full read), through dlt's hard_delete column."""
    duckdb_pipeline.run(source(simulator, streams=["client_notes"]))
    gone = simulator.store.records("client_notes")[0]["id"]
    assert simulator.store.delete("client_notes", gone)
    duckdb_pipeline.run(source(simulator, streams=["client_notes"]))
    assert gone in landed(duckdb_pipeline, ["client_notes"])["client_notes"]
    duckdb_pipeline.run(source(simulator, streams=["client_notes"], full_refresh=True))
    rows = landed(duckdb_pipeline, ["client_notes"])["client_notes"]
    assert gone not in rows
    assert set(rows) == {r["id"] for r in simulator.store.records("client_notes")}


def test_a_filtered_stream_deletes_nothing(
    simulator: SimulatorHandle, duckdb_pipeline: dlt.Pipeline, tmp_path: Path
) -> None:
    """A read narrowed by a filter proves no deletion: its rows stay, and no key is kept."""
    client = simulator.store.records("clients")[0]["id"]
    flow = tmp_path / "flow.yaml"
    flow.write_text(f"sources:\n  notes:\n    template: search_client_notes\n"
                    f"    params: {{clientId: {client}}}\n")  # fmt: skip
    duckdb_pipeline.run(source(simulator, flow=str(flow)))
    state = duckdb_pipeline.state["sources"]["clientsuccess"]["resources"]["notes"]
    assert "clientsuccess_keys" not in state


def _times(sim: SimulatorHandle) -> list[str]:
    return sorted(r["modifiedTime"] for r in sim.store.records("client_notes"))


def test_initial_value_starts_a_first_run_there(
    simulator: SimulatorHandle, duckdb_pipeline: dlt.Pipeline
) -> None:
    """A first run with `initial_value` loads only what changed since (and the overlap)."""
    times = _times(simulator)
    middle = times[len(times) // 2]
    duckdb_pipeline.run(source(simulator, streams=["client_notes"], initial_value=middle, lag=0))
    rows = landed(duckdb_pipeline, ["client_notes"])["client_notes"]
    expected = {r["id"] for r in simulator.store.records("client_notes")
                if r["modifiedTime"] >= middle}  # fmt: skip
    assert set(rows) == expected


def test_end_value_backfills_a_span_and_leaves_the_cursor(
    simulator: SimulatorHandle, duckdb_pipeline: dlt.Pipeline
) -> None:
    """A backfill between `initial_value` and `end_value` loads that span and stores no cursor."""
    times = _times(simulator)
    start, end = times[len(times) // 4], times[len(times) // 2]
    duckdb_pipeline.run(source(simulator, streams=["client_notes"], initial_value=start,
                               end_value=end, lag=0))  # fmt: skip
    rows = landed(duckdb_pipeline, ["client_notes"])["client_notes"]
    expected = {r["id"] for r in simulator.store.records("client_notes")
                if start <= r["modifiedTime"] <= end}  # fmt: skip
    assert set(rows) == expected
    resources = duckdb_pipeline.state["sources"]["clientsuccess"].get("resources", {})
    assert "clientsuccess_cursor" not in resources.get("client_notes", {})


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({"end_value": "2026-01-01"}, "end_value needs initial_value"),
        ({"initial_value": "soon"}, "initial_value 'soon' is not a timestamp"),
        ({"initial_value": "2026-02-01", "end_value": "2026-01-01"}, "later than"),
        ({"lag": -1}, "lag must be 0 or more"),
    ],
)
def test_bad_cursor_arguments_are_named(
    simulator: SimulatorHandle, args: dict[str, object], words: str
) -> None:
    """Each wrong cursor argument is a ConfigError naming it."""
    with pytest.raises(Exception) as raised:
        source(simulator, **args)
    error: BaseException | None = raised.value
    while error is not None and not isinstance(error, ConfigError):
        error = error.__cause__ or error.__context__
    assert error is not None and words in str(error)
