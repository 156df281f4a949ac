"""Path suggestions from a sample response."""

from __future__ import annotations

import orjson
import pytest

from clientsuccess_connector.errors import DataError
from clientsuccess_connector.extract import compile_path, suggest_paths

PAGING = {
    "first": True,
    "last": False,
    "page": 0,
    "size": 100,
    "totalPages": 7,
    "totalElements": 650,
}


def envelope(data: list[object]) -> bytes:
    """A ClientSuccess search page."""
    return orjson.dumps({"data": data, **PAGING})


def test_search_envelope_suggests_data_first() -> None:
    """`$.data[*]` is the first suggestion, with its record count."""
    suggestions = suggest_paths(envelope([{"id": 1}, {"id": 2}]), "application/json")
    assert suggestions.format == "json"
    assert suggestions.data[0].path == "$.data[*]"
    assert suggestions.data[0].records == 2


def test_empty_search_page_still_suggests_data_first() -> None:
    """An empty page (no matches) still points at `$.data[*]`."""
    suggestions = suggest_paths(envelope([]))
    assert suggestions.data[0].path == "$.data[*]"
    assert suggestions.data[0].records == 0


def test_nested_arrays_rank_below_the_top_array() -> None:
    """Arrays inside records (many items) never outrank the page's own data array."""
    records = [{"id": i, "reasonCodes": [{"code": c} for c in range(20)]} for i in range(2)]
    paths = [s.path for s in suggest_paths(envelope(records)).data]
    assert paths[0] == "$.data[*]"
    assert "$.data[*].reasonCodes[*]" in paths
    nested = paths.index("$.data[*].reasonCodes[*]")
    assert nested > 0
    assert (
        next(s for s in suggest_paths(envelope(records)).data if s.path == paths[nested]).records
        == 40
    )


def test_metadata_candidates_are_outside_the_data_path() -> None:
    """Paging scalars are offered as metadata; nothing under $.data is."""
    metadata = suggest_paths(envelope([{"id": 1, "name": "x"}])).metadata
    paths = [s.path for s in metadata]
    assert paths[0] == "$.totalElements"
    assert set(paths) == {f"$.{key}" for key in PAGING}
    assert all(not p.startswith("$.data") for p in paths)


def test_bare_array_response() -> None:
    """A bare array gives `$[*]` first and no metadata."""
    suggestions = suggest_paths(b'[{"id": 1}, {"id": 2}, {"id": 3}]')
    assert suggestions.data[0].path == "$[*]"
    assert suggestions.data[0].records == 3
    assert suggestions.metadata == []


def test_single_object_response() -> None:
    """A single record (a GET by id) suggests `$` as one record."""
    suggestions = suggest_paths(b'{"id": 5, "name": "Acme"}')
    assert [s.path for s in suggestions.data] == ["$"]
    assert suggestions.data[0].records == 1


def test_arrays_of_objects_rank_before_scalar_arrays() -> None:
    """Arrays of objects come first, then arrays of scalars, then objects; larger counts first."""
    document = {
        "tags": ["a", "b", "c", "d"],
        "small": [{"x": 1}],
        "large": [{"x": 1}, {"x": 2}],
        "meta": {"n": 1},
    }
    paths = [s.path for s in suggest_paths(orjson.dumps(document)).data]
    assert paths[:3] == ["$.large[*]", "$.small[*]", "$.tags[*]"]
    assert paths.index("$") > paths.index("$.tags[*]")


def test_every_suggested_path_yields_its_count() -> None:
    """Each suggestion's count is what the path really yields."""
    document = {
        "data": [{"id": 1, "items": [{"a": 1}, {"a": 2}], "weird key": [1, 2]}],
        "it's": [{"q": 1}],
        **PAGING,
    }
    for suggestion in suggest_paths(orjson.dumps(document)).data:
        assert len(compile_path(suggestion.path).records(document)) == suggestion.records


XML = b"""<response>
  <page>0</page><totalElements>3</totalElements>
  <data><item id="1"><name>A</name></item><item id="2"><name>B</name></item>
        <item id="3"><name>C</name></item></data>
</response>"""


def test_xml_repeated_elements_first() -> None:
    """XML suggests the repeated element with its count, and leaf elements as metadata."""
    suggestions = suggest_paths(XML, "application/xml")
    assert suggestions.format == "xml"
    assert suggestions.data[0].path == "/response/data/item"
    assert suggestions.data[0].records == 3
    assert [s.path for s in suggestions.metadata] == ["/response/page", "/response/totalElements"]


def test_xml_single_item_in_container_is_a_list() -> None:
    """<data> holding one <item> still suggests the item path first."""
    suggestions = suggest_paths(b"<r><total>1</total><data><item><n>1</n></item></data></r>")
    assert suggestions.data[0].path == "/r/data/item"


def test_format_sniffed_without_content_type() -> None:
    """Leading whitespace then `<` means XML."""
    assert suggest_paths(b"\n  " + XML).format == "xml"


@pytest.mark.parametrize("content", [b"plain text", b"", b"\x00\x01"])
def test_neither_json_nor_xml(content: bytes) -> None:
    """Anything else is a DataError."""
    with pytest.raises(DataError):
        suggest_paths(content)


def test_to_dict_for_json_output() -> None:
    """`paths --json` output shape."""
    result = suggest_paths(envelope([{"id": 1}])).to_dict()
    assert result["format"] == "json"
    assert result["data"][0] == {
        "path": "$.data[*]",
        "records": 1,
        "description": "array of 1 record (ClientSuccess search envelope)",
    }
