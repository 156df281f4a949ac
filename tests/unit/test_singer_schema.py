"""Singer schemas widen as records need, never narrow, and leave hand-written parts alone."""

from __future__ import annotations

from clientsuccess_connector.singer.schema import property_schema, stream_schema, widened


def test_a_float_widens_an_integer_property() -> None:
    """An integer column that meets a float becomes a number."""
    schema = stream_schema({"id": "integer", "score": "integer"}, ["id"])
    wider = widened(schema, {"id": "integer", "score": "float"}, ["id"])
    assert wider is not None
    assert wider["properties"]["score"] == {"type": ["null", "number"]}
    assert wider["properties"]["id"] == {"type": ["integer"]}


def test_nothing_new_means_no_new_schema() -> None:
    """Records that fit the schema do not re-announce it, and integers fit a number."""
    schema = stream_schema({"id": "integer", "score": "float"}, ["id"])
    assert widened(schema, {"id": "integer", "score": "integer"}, ["id"]) is None
    assert widened(schema, {"id": "integer", "score": None}, ["id"]) is None


def test_new_fields_are_added_and_foreign_properties_kept() -> None:
    """A field the sample never showed is added; a property we did not write stays as it is."""
    schema = {"type": "object", "properties": {"custom": {"type": "string", "maxLength": 9}}}
    wider = widened(schema, {"custom": "integer", "note": "text"}, [])
    assert wider is not None
    assert wider["properties"]["custom"] == {"type": "string", "maxLength": 9}
    assert wider["properties"]["note"] == property_schema("text")


def test_a_property_seen_only_as_null_takes_the_first_type() -> None:
    """An any-typed property (only nulls in the sample) gets the type values show."""
    schema = stream_schema({"id": "integer", "closed": None}, ["id"])
    wider = widened(schema, {"closed": "timestamp"}, ["id"])
    assert wider is not None
    assert wider["properties"]["closed"] == {"type": ["null", "string"], "format": "date-time"}
