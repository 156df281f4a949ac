"""Property tests: the JSONPath fast path agrees with python-jsonpath; suggestions are honest."""

from __future__ import annotations

from typing import Any

import jsonpath as library
import orjson
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clientsuccess_connector.extract import compile_path, suggest_paths
from clientsuccess_connector.extract.jsonpath import records_from_matches
from clientsuccess_connector.extract.suggest import json_key_path

KEYS = st.sampled_from(["data", "a", "b", "items", "id", "true", "null", "_x", "my key", "it's"])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5)
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=25,
)
STEP = st.one_of(
    st.sampled_from(["data", "a", "b", "items", "id", "true", "null", "_x"]).map(lambda k: f".{k}"),
    st.sampled_from(["[*]", ".*"]),
    st.sampled_from(["data", "a", "my key"]).map(lambda k: f"['{k}']"),
    st.sampled_from(["data", "b"]).map(lambda k: f'["{k}"]'),
)
SIMPLE_PATH = st.lists(STEP, max_size=4).map(lambda steps: "$" + "".join(steps))


@settings(max_examples=400, deadline=None)
@given(document=JSON, path=SIMPLE_PATH)
def test_fast_path_equals_library(document: Any, path: str) -> None:
    """For every simple path and document, the fast path finds exactly what the library finds."""
    assume(not isinstance(document, str))  # the library would parse a str as JSON text
    compiled = compile_path(path)
    assert compiled.is_simple
    assert compiled.find(document) == library.findall(path, document)


@settings(max_examples=200, deadline=None)
@given(document=JSON, path=SIMPLE_PATH)
def test_records_follow_the_rule(document: Any, path: str) -> None:
    """Records are the matched dicts, list elements, and wrapped scalars, never a null."""
    assume(not isinstance(document, str))
    records = compile_path(path).records(document)
    assert records == records_from_matches(library.findall(path, document))
    assert all(isinstance(r, dict) for r in records)
    assert {"value": None} not in records


@settings(max_examples=200, deadline=None)
@given(key=st.text(max_size=8))
def test_key_paths_reach_any_key(key: str) -> None:
    """A suggested path for any key (quotes, backslashes, control characters) finds that key."""
    assert compile_path(json_key_path("$", key)).find({key: 1, key + "x": 2}) == [1]


@settings(max_examples=200, deadline=None)
@given(document=JSON)
def test_suggestions_yield_their_counts(document: Any) -> None:
    """Each suggested data path yields the number of records it announces; metadata paths match."""
    suggestions = suggest_paths(orjson.dumps(document))
    for suggestion in suggestions.data:
        assert len(compile_path(suggestion.path).records(document)) == suggestion.records
    for suggestion in suggestions.metadata:
        assert len(compile_path(suggestion.path, field="metadata_path").find(document)) == 1


@settings(max_examples=100, deadline=None)
@given(
    records=st.lists(st.dictionaries(KEYS, JSON, max_size=4), max_size=6), page=st.integers(0, 9)
)
def test_envelope_always_suggests_data_first(records: list[dict[str, Any]], page: int) -> None:
    """Whatever the records hold, a search envelope suggests `$.data[*]` first."""
    body = {
        "data": records,
        "first": page == 0,
        "last": True,
        "page": page,
        "size": 6,
        "totalPages": page + 1,
        "totalElements": len(records),
    }
    best = suggest_paths(orjson.dumps(body)).data[0]
    assert best.path == "$.data[*]"
    assert best.records == len(records)
