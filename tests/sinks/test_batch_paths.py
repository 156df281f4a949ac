"""Property test: a column typed and converted by Arrow in one pass (the fast path of
`prepare_batch`) gets the same type, the same stored values and the same repairs as under the
value-by-value rules of `typing_rules` (the path every other column takes)."""

from __future__ import annotations

from typing import Any, get_args

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from clientsuccess_connector.sinks.base import ColumnType
from clientsuccess_connector.sinks.batch import (
    ARROW_TYPES,
    _convert,
    _json_column,
    _typed_column,
)
from clientsuccess_connector.sinks.typing_rules import infer_column
from clientsuccess_connector.sinks.values import json_text, repair_texts

TEXT = st.lists(
    st.characters(exclude_categories=()) | st.sampled_from(["\x00", "\\u0000", "\\", "é"]),
    max_size=4,
).map("".join)
TIMESTAMPS = st.sampled_from(
    ["2024-02-29T23:59:59.999999Z", "2024-02-30T00:00:00Z", "2024-06-01T12:00:00.5+02:00"]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**65), 2**65)
    | st.floats(allow_nan=False)
    | TEXT
    | TIMESTAMPS
)
NESTED = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["x", "y"]), children, max_size=2)
    ),
    max_leaves=5,
)
KNOWN = st.sampled_from([None, *get_args(ColumnType)])


def _by_value_rules(raw: list[Any], known: ColumnType | None) -> tuple[Any, ...]:
    inferred = infer_column(raw, known)
    return (inferred, *_convert(raw, inferred))


@settings(max_examples=300, deadline=None)
@given(
    raw=st.lists(st.one_of(SCALARS, st.sampled_from([0, 1, -7, "a"])), max_size=8)
    | st.lists(st.booleans() | st.none(), max_size=6)
    | st.lists(TIMESTAMPS | st.none(), max_size=6),
    known=KNOWN,
)
def test_a_column_is_stored_the_same_by_either_path(raw: list[Any], known: Any) -> None:
    fast_inferred, fast_array, fast_final, fast_fixed = _typed_column(raw, known)
    inferred, array, final, fixed = _by_value_rules(raw, known)
    assert (fast_final, fast_fixed) == (final, fixed)
    assert (fast_inferred is None) == (inferred is None)
    assert fast_array.type == array.type
    assert fast_array.to_pylist() == array.to_pylist()


@settings(max_examples=200, deadline=None)
@given(raw=st.lists(NESTED, max_size=6))
def test_nested_values_are_the_same_json_text_by_either_path(raw: list[Any]) -> None:
    """The buffer check finds every repair the text-by-text way makes, and no other."""
    encoded, _, fixed = _json_column(raw)
    try:
        texts = [None if v is None else orjson.dumps(v).decode() for v in raw]
    except TypeError:
        texts = [None if v is None else json_text(v) for v in raw]
    texts, repaired = repair_texts(texts, json=True)
    assert encoded.type == ARROW_TYPES["json"]
    assert encoded.to_pylist() == texts
    assert fixed == repaired
