"""Path to Data and Path to Metadata for JSON responses."""

from __future__ import annotations

import jsonpath as library
import pytest

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.extract import compile_metadata_path, compile_path

ENVELOPE = {
    "data": [{"id": 1, "note": "a"}, {"id": 2, "note": "b"}],
    "first": True,
    "last": False,
    "page": 0,
    "size": 2,
    "totalPages": 3,
    "totalElements": 6,
}


def test_search_envelope_gives_one_record_per_element() -> None:
    """`$.data[*]` on a ClientSuccess search page yields its records, in order."""
    assert compile_path("$.data[*]").records(ENVELOPE) == ENVELOPE["data"]


def test_path_to_the_array_itself_gives_the_same_records() -> None:
    """A match that is a list contributes each element, so `$.data` equals `$.data[*]`."""
    assert compile_path("$.data").records(ENVELOPE) == ENVELOPE["data"]


def test_bare_array_response() -> None:
    """`$[*]` and `$` both read a response that is a bare array of records."""
    document = [{"id": 1}, {"id": 2}]
    assert compile_path("$[*]").records(document) == document
    assert compile_path("$").records(document) == document


def test_object_match_is_one_record() -> None:
    """A path to an object (`$` of a single-record response) yields that one record."""
    assert compile_path("$").records({"id": 7}) == [{"id": 7}]
    assert compile_path("$.client").records({"client": {"id": 7}}) == [{"id": 7}]


def test_scalars_become_value_records_and_nulls_are_skipped() -> None:
    """Scalars (matched, or elements of a matched list) become {"value": x}; nulls are dropped."""
    document = {"ids": [1, None, "x"], "count": 3, "gone": None}
    assert compile_path("$.ids[*]").records(document) == [{"value": 1}, {"value": "x"}]
    assert compile_path("$.ids").records(document) == [{"value": 1}, {"value": "x"}]
    assert compile_path("$.count").records(document) == [{"value": 3}]
    assert compile_path("$.gone").records(document) == []


def test_path_that_matches_nothing_yields_no_records() -> None:
    """A missing key, or a key on the wrong type, yields []."""
    assert compile_path("$.data[*]").records({"content": []}) == []
    assert compile_path("$.data[*]").records([1, 2]) == []
    assert compile_path("$.a.b[*]").records({"a": "text"}) == []


@pytest.mark.parametrize(
    "path",
    ["$", "$[*]", "$.data[*]", "$.a.b[*]", "$.a.b", "$['a']", "$[\"a\"]['b'][*]", "$.*", "$.a.*"],
)
def test_simple_paths_take_the_fast_path(path: str) -> None:
    """The common shapes are walked without the general engine."""
    assert compile_path(path).is_simple


@pytest.mark.parametrize("path", ["$..id", "$.data[0]", "$.data[?@.id > 1]", "$.data[0:2]"])
def test_other_paths_use_the_library(path: str) -> None:
    """Filters, slices, indexes and descendants go through python-jsonpath with the same result."""
    compiled = compile_path(path)
    assert not compiled.is_simple
    assert compiled.find(ENVELOPE) == library.findall(path, ENVELOPE)


def test_filter_path_selects_records() -> None:
    """A filter expression picks matching records."""
    assert compile_path("$.data[?@.id > 1]").records(ENVELOPE) == [{"id": 2, "note": "b"}]


def test_quoted_names_with_odd_characters() -> None:
    """Bracket notation reaches keys that are not identifiers."""
    document = {"my data": [{"id": 1}], "a-b": {"c": 2}}
    assert compile_path("$['my data'][*]").records(document) == [{"id": 1}]
    assert compile_path("$['a-b'].c").find(document) == [2]


def test_compiled_once() -> None:
    """The same path text gives the same compiled object (compiled once per run)."""
    assert compile_path("$.data[*]") is compile_path("$.data[*]")


@pytest.mark.parametrize("path", ["$.data[", "$.data[*", "$[?", "$$"])
def test_bad_syntax_is_a_config_error_naming_the_path(path: str) -> None:
    """A bad path fails at compile time with one line naming the field, the path and an example."""
    with pytest.raises(ConfigError) as caught:
        compile_path(path)
    message = str(caught.value)
    assert message.startswith(f"data_path {path!r} is not valid JSONPath")
    assert "example: $.data[*]" in message
    assert "\n" not in message


def test_empty_path_is_a_config_error() -> None:
    """An empty path says what to write instead."""
    with pytest.raises(ConfigError, match=r"data_path is empty.*\$\.data\[\*\]"):
        compile_path("  ")


def test_metadata_single_match_is_the_value() -> None:
    """One match gives the bare value."""
    assert compile_metadata_path("$.totalElements", xml=False).extract(ENVELOPE) == 6


def test_metadata_object_and_several_matches() -> None:
    """An object stays an object; several matches give a list; none gives None."""
    document = {"meta": {"page": 1, "size": 2}, "data": [{"id": 1}, {"id": 2}]}
    assert compile_metadata_path("$.meta", xml=False).extract(document) == {"page": 1, "size": 2}
    assert compile_metadata_path("$.data[*].id", xml=False).extract(document) == [1, 2]
    assert compile_metadata_path("$.missing", xml=False).extract(document) is None


def test_metadata_bad_path_names_metadata_path() -> None:
    """A bad metadata path is reported against metadata_path, not data_path."""
    with pytest.raises(ConfigError, match=r"^metadata_path '\$\.a\[' is not valid JSONPath"):
        compile_metadata_path("$.a[", xml=False)


def test_string_document_is_not_parsed_as_json() -> None:
    """A response whose JSON value is a string has no records inside it."""
    assert compile_path("$..id").find('{"id": 1}') == []
    assert compile_path("$").records("text") == [{"value": "text"}]
