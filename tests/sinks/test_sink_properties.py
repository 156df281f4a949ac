"""Property test: PostgreSQL (loaded by CSV COPY) and DuckDB (loaded from Arrow) store any
batches of records the same: the same columns and types, the same values read back, the same
values repaired and the same records rejected."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientsuccess_connector.sinks import SYNCED_AT, open_sink

pytestmark = pytest.mark.postgres

TEXT = st.lists(
    st.characters(exclude_categories=())  # lone surrogates and NUL included
    | st.sampled_from(['"', ",", "\n", "\r", "\\", "\\N", "\x00", "\\u0000", " "]),
    max_size=6,
).map("".join)
TIMESTAMPS = st.sampled_from(
    ["2024-02-29T23:59:59.999999Z", "1970-01-01T00:00:00Z", "2024-06-01T12:00:00.5+02:00"]
)
NESTED_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(-1e15, 1e15, allow_nan=False)
    | TEXT
)
NESTED = st.recursive(
    NESTED_SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["x", "y", "z w"]), children, max_size=3)
    ),
    max_leaves=6,
)
VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | TEXT
    | TIMESTAMPS
    | st.lists(NESTED, max_size=2)
    | st.dictionaries(st.sampled_from(["x", "y"]), NESTED, max_size=2)
)
RECORD = st.fixed_dictionaries(
    {"id": st.integers(0, 6) | st.none()},
    optional={
        **dict.fromkeys(["a", "b", 'odd "name"', "c"], VALUES),
        # Floats in a column of their own: a float column that later widens to text renders its
        # stored values the database's way (PostgreSQL writes 0.0 as "0", DuckDB as "0.0").
        "f": st.floats(allow_nan=False, allow_infinity=False) | st.integers(-5, 5) | st.none(),
    },
)
BATCHES = st.lists(st.lists(RECORD, min_size=1, max_size=8), min_size=1, max_size=3)
_streams = itertools.count()


def _stored(url: str, stream: str, batches: list[list[dict[str, Any]]]) -> dict[str, Any]:
    with open_sink(url) as sink:
        for batch in batches:
            sink.write_batch(stream, batch, ["id"])
        report = sink.value_report(stream)
        rows = []
        if stream in sink.streams():
            rows = sink.read_rows(stream)
            for row in rows:
                row.pop(SYNCED_AT)
        return {
            "columns": sink.schema(stream) if stream in sink.streams() else [],
            "rows": rows,
            "repaired": report.repaired,
            # The same records set aside; the order a table returns them in is its own.
            "rejects": sorted(sink.read_rejects(stream), key=repr),
        }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=BATCHES)
def test_postgres_and_duckdb_store_the_same(
    batches: list[list[dict[str, Any]]], postgres_url: str, tmp_path: Path
) -> None:
    """Whatever the batches hold, both destinations keep the same table."""
    stream = f"s{next(_streams)}"
    duck = _stored(f"duckdb:///{tmp_path / stream}.duckdb", stream, batches)
    pg = _stored(postgres_url, stream, batches)
    assert pg == duck
