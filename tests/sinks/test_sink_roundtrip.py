"""Every destination: records go in and come back out exactly, merged on the primary key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.sinks import SYNCED_AT, Column, open_sink
from clientsuccess_connector.sinks.typing_rules import is_timestamp

HTML = '<p class="x">Tom & Jerry said "hi"</p>\n<br/>\r\n&amp; \'quoted\'\t<tab>'


def note(i: int, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": i,
        "clientId": 100 + i,
        "subject": f"Réunion {i} — 日本語 🎉",
        "note": HTML,
        "createdTime": "2024-03-01T12:00:00.123Z",
        "modifiedTime": f"2024-03-0{1 + i % 9}T08:30:00+02:00",
        "dueDate": "2024-03-01",
        "isPrivate": i % 2 == 0,
        "score": i + 0.5,
        "author": None,
        "tags": ["a", {"b": [1, 2.5, None, True]}],
        "details": {"nested": {"ü": "ß", "html": HTML}, "empty": {}},
        "emptyText": "",
        "_metadata": {"totalElements": 3},
        "_lookup": {"clients.id": 100 + i},
    }
    record.update(extra)
    return record


def expected(record: dict[str, Any], columns: list[Column]) -> dict[str, Any]:
    """What read_rows returns for `record`: timestamps as datetimes, absent fields as None."""
    types = {c.name: c.type for c in columns}
    out = {}
    for name, kind in types.items():
        if name == SYNCED_AT:
            continue
        value = record.get(name)
        if kind == "timestamp" and isinstance(value, str):
            value = datetime.fromisoformat(value)
        out[name] = value
    return out


def rows_without_synced(sink: Any, stream: str) -> list[dict[str, Any]]:
    rows = sink.read_rows(stream)
    for row in rows:
        assert isinstance(row.pop(SYNCED_AT), datetime)
    return rows


def test_round_trip_keeps_unicode_html_nulls_and_nested_json(destination_url: str) -> None:
    records = [note(i) for i in range(3)]
    with open_sink(destination_url) as sink:
        assert sink.write_batch("client_notes", records, ["id"]) == 3
        columns = sink.schema("client_notes")
        assert rows_without_synced(sink, "client_notes") == [expected(r, columns) for r in records]
    with open_sink(destination_url) as sink:  # and after reopening
        assert rows_without_synced(sink, "client_notes") == [expected(r, columns) for r in records]


def test_types_are_inferred_from_values(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("client_notes", [note(1)], ["id"])
        types = {c.name: c.type for c in sink.schema("client_notes")}
    assert types == {
        "id": "integer",
        "clientId": "integer",
        "subject": "text",
        "note": "text",
        "createdTime": "timestamp",
        "modifiedTime": "timestamp",
        "dueDate": "text",
        "isPrivate": "boolean",
        "score": "float",
        "author": "text",
        "tags": "json",
        "details": "json",
        "emptyText": "text",
        "_metadata": "json",
        "_lookup": "json",
        SYNCED_AT: "timestamp",
    }


def test_primary_key_columns_are_not_nullable_and_synced_at_is_last(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("s", [{"a": 1, "b": 2, "c": None}], ["b"])
        assert sink.schema("s") == [
            Column("a", "integer"),
            Column("b", "integer", nullable=False),
            Column("c", "text"),
            Column(SYNCED_AT, "timestamp", nullable=False),
        ]


def test_second_write_of_same_ids_adds_no_rows_and_updates_win(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("client_notes", [note(i) for i in range(5)], ["id"])
        first = {r["id"]: r[SYNCED_AT] for r in sink.read_rows("client_notes")}
        sink.write_batch("client_notes", [note(i, subject="changed") for i in range(3, 8)], ["id"])
        rows = sink.read_rows("client_notes")
        assert sink.row_count("client_notes") == 8
    assert [r["id"] for r in rows] == list(range(8))
    assert [r["subject"] for r in rows[3:]] == ["changed"] * 5
    assert rows[0]["subject"] == note(0)["subject"]
    assert rows[3][SYNCED_AT] >= first[3]
    with open_sink(destination_url) as sink:  # a re-run never duplicates
        sink.write_batch("client_notes", [note(i, subject="changed") for i in range(3, 8)], ["id"])
        assert sink.row_count("client_notes") == 8


def test_duplicates_within_a_batch_keep_the_later_record(destination_url: str) -> None:
    batch = [note(1, subject="old"), note(2), note(1, subject="new"), note(2, subject="last")]
    with open_sink(destination_url) as sink:
        assert sink.write_batch("client_notes", batch, ["id"]) == 2
        rows = sink.read_rows("client_notes")
    assert [(r["id"], r["subject"]) for r in rows] == [(1, "new"), (2, "last")]


def test_composite_primary_key(destination_url: str) -> None:
    batch = [
        {"clientId": 1, "contractId": "a", "v": 1},
        {"clientId": 1, "contractId": "b", "v": 2},
        {"clientId": 2, "contractId": "a", "v": 3},
    ]
    with open_sink(destination_url) as sink:
        sink.write_batch("items", batch, ["clientId", "contractId"])
        sink.write_batch(
            "items", [{"clientId": 1, "contractId": "b", "v": 20}], ["clientId", "contractId"]
        )
        rows = rows_without_synced(sink, "items")
    assert rows == [
        {"clientId": 1, "contractId": "a", "v": 1},
        {"clientId": 1, "contractId": "b", "v": 20},
        {"clientId": 2, "contractId": "a", "v": 3},
    ]


def test_new_field_adds_a_column_and_earlier_rows_are_null(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("clients", [{"id": 1, "name": "a"}], ["id"])
        sink.write_batch("clients", [{"id": 2, "name": "b", "tier": "gold", "mrr": 10}], ["id"])
        names = [c.name for c in sink.schema("clients")]
        rows = rows_without_synced(sink, "clients")
    assert names == ["id", "name", "tier", "mrr", SYNCED_AT]
    assert rows == [
        {"id": 1, "name": "a", "tier": None, "mrr": None},
        {"id": 2, "name": "b", "tier": "gold", "mrr": 10},
    ]


def test_int_then_float_then_string_widens_and_keeps_every_value(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("s", [{"id": 1, "v": 1}], ["id"])
        sink.write_batch("s", [{"id": 2, "v": 2.5}], ["id"])
        assert {c.name: c.type for c in sink.schema("s")}["v"] == "float"
        sink.write_batch("s", [{"id": 3, "v": "x"}], ["id"])
        assert {c.name: c.type for c in sink.schema("s")}["v"] == "text"
        values = [r["v"] for r in sink.read_rows("s")]
    assert float(values[0]) == 1.0
    assert values[1:] == ["2.5", "x"]


def test_conflicts_inside_one_batch_widen_too(destination_url: str) -> None:
    batch = [
        {"id": 1, "n": 1, "b": True, "t": "2024-03-01T12:00:00Z", "j": 5},
        {"id": 2, "n": 2.5, "b": 7, "t": "soon", "j": {"k": "v"}},
    ]
    with open_sink(destination_url) as sink:
        sink.write_batch("s", batch, ["id"])
        types = {c.name: c.type for c in sink.schema("s")}
        rows = sink.read_rows("s")
    assert types | {SYNCED_AT: "timestamp"} == {
        "id": "integer", "n": "float", "b": "text", "t": "text", "j": "json",
        SYNCED_AT: "timestamp",
    }  # fmt: skip
    assert [r["n"] for r in rows] == [1.0, 2.5]
    assert [r["b"] for r in rows] == ["true", "7"]
    assert [r["t"] for r in rows] == ["2024-03-01T12:00:00Z", "soon"]
    assert [r["j"] for r in rows] == [5, {"k": "v"}]


def test_boolean_is_never_taken_for_an_integer(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("s", [{"id": 1, "flag": True}, {"id": 2, "flag": False}], ["id"])
        assert {c.name: c.type for c in sink.schema("s")}["flag"] == "boolean"
        assert [r["flag"] for r in sink.read_rows("s")] == [True, False]


def test_timestamp_then_text_and_scalar_then_json_convert_existing_rows(
    destination_url: str,
) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("s", [{"id": 1, "t": "2024-03-01T12:00:00.5Z", "j": "plain"}], ["id"])
        sink.write_batch("s", [{"id": 2, "t": "not a time", "j": [1, "two"]}], ["id"])
        rows = sink.read_rows("s")
    assert datetime.fromisoformat(rows[0]["t"]) == datetime.fromisoformat("2024-03-01T12:00:00.5Z")
    assert rows[1]["t"] == "not a time"
    assert [r["j"] for r in rows] == ["plain", [1, "two"]]


def test_column_known_only_as_null_takes_the_first_real_type(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("s", [{"id": 1, "later": None}], ["id"])
        assert {c.name: c.type for c in sink.schema("s")}["later"] == "text"
        sink.write_batch("s", [{"id": 2, "later": 42}], ["id"])
        assert {c.name: c.type for c in sink.schema("s")}["later"] == "integer"
        assert [r["later"] for r in sink.read_rows("s")] == [None, 42]


def test_reserved_words_and_mixed_case_names(destination_url: str) -> None:
    record = {
        "select": 1,
        "order": "o",
        "Group": True,
        "clientId": 5,
        'we"ird': "q",
        "from to": 2.5,
    }
    with open_sink(destination_url) as sink:
        sink.write_batch("user", [record], ["select"])
        sink.write_batch("user", [{**record, "order": "p"}], ["select"])
        rows = rows_without_synced(sink, "user")
        assert sink.streams() == ["user"]
    assert rows == [{**record, "order": "p"}]


def test_state_is_stored_and_read_back(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        assert sink.get_state("clients") is None
        sink.write_batch("clients", [{"id": 1}], ["id"], state={"cursor": "2024-03-01T00:00:00Z"})
        assert sink.get_state("clients") == {"cursor": "2024-03-01T00:00:00Z"}
        sink.set_state("clients", {"cursor": "b", "nested": {"n": [1, None]}})
        sink.write_batch("other", [], ["id"], state={"cursor": 7})
    with open_sink(destination_url) as sink:
        assert sink.get_state("clients") == {"cursor": "b", "nested": {"n": [1, None]}}
        assert sink.get_state("other") == {"cursor": 7}


def _make_commit_fail(sink: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the last step of a batch (state store, or the manifest commit for files) raise."""

    def boom(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("simulated crash")

    if hasattr(sink, "_manifest"):
        monkeypatch.setattr(sink._manifest, "put", boom)
    else:
        monkeypatch.setattr(sink, "_store_state", boom)


def test_failure_mid_batch_moves_neither_rows_nor_state(
    destination_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("s", [{"id": 1, "v": 1}], ["id"], state={"cursor": 1})
        with monkeypatch.context() as patch:
            _make_commit_fail(sink, patch)
            with pytest.raises(RuntimeError):
                sink.write_batch(
                    "s",
                    [{"id": 1, "v": "changed", "new": 1}, {"id": 2, "v": 2}],
                    ["id"],
                    {"cursor": 2},
                )
        assert rows_without_synced(sink, "s") == [{"id": 1, "v": 1}]
        assert [c.name for c in sink.schema("s")] == ["id", "v", SYNCED_AT]
        assert sink.get_state("s") == {"cursor": 1}
        # the sink is still usable and the failed batch can simply be retried
        sink.write_batch("s", [{"id": 2, "v": 2, "new": True}], ["id"], state={"cursor": 2})
    with open_sink(destination_url) as sink:
        assert rows_without_synced(sink, "s") == [
            {"id": 1, "v": 1, "new": None},
            {"id": 2, "v": 2, "new": True},
        ]
        assert sink.get_state("s") == {"cursor": 2}


def test_record_without_its_primary_key_is_rejected_and_the_others_stored(
    destination_url: str,
) -> None:
    with open_sink(destination_url) as sink:
        assert sink.write_batch("s", [{"id": 1}, {"other": 2}], ["id"], {"cursor": 1}) == 1
        assert rows_without_synced(sink, "s") == [{"id": 1}]
        assert sink.read_rejects("s") == [("no value for primary key id", {"other": 2})]
        assert sink.value_report("s").rejected == 1
        assert sink.get_state("s") == {"cursor": 1}


def test_unknown_stream_is_a_config_error_naming_it(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("clients", [{"id": 1}], ["id"])
        with pytest.raises(ConfigError, match="'nope'"):
            sink.schema("nope")
        with pytest.raises(ConfigError, match="'nope'"):
            sink.row_count("nope")


def test_streams_lists_each_stream_once(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("contacts", [{"id": 1}], ["id"])
        sink.write_batch("clients", [{"id": 1}, {"id": 2}], ["id"])
        assert sink.streams() == ["clients", "contacts"]
        assert sink.row_count("clients") == 2


def test_many_batches_in_one_session(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        for start in range(0, 600, 50):
            batch = [note(i) for i in range(start, start + 50)]
            sink.write_batch("client_notes", batch, ["id"], state={"cursor": start})
        sink.write_batch("client_notes", [note(i, subject="u") for i in range(0, 600, 7)], ["id"])
        assert sink.row_count("client_notes") == 600
    with open_sink(destination_url) as sink:
        rows = sink.read_rows("client_notes")
        assert len(rows) == 600
        assert sum(r["subject"] == "u" for r in rows) == len(range(0, 600, 7))
        assert sink.get_state("client_notes") == {"cursor": 550}


def test_timestamps_come_back_as_utc_datetimes(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("s", [{"id": 1, "t": "2024-03-01T12:00:00+02:00"}], ["id"])
        value = sink.read_rows("s")[0]["t"]
    assert value == datetime.fromisoformat("2024-03-01T10:00:00+00:00")
    assert value.utcoffset().total_seconds() == 0


def test_iso_timestamp_detection() -> None:
    assert is_timestamp("2024-03-01T12:00:00.123Z")
    assert is_timestamp("2024-03-01T12:00Z")
    assert is_timestamp("2024-03-01T12:00:00-05:30")
    assert not is_timestamp("2024-03-01")
    assert not is_timestamp("2024-03-01T12:00:00")  # no zone: kept as text
    assert not is_timestamp("2024-03-01T12:00:00.1234567Z")  # beyond microseconds
    assert not is_timestamp("2024-13-01T12:00:00Z")


def test_a_sample_reads_only_the_first_rows_by_key(destination_url: str) -> None:
    """`read_rows(stream, limit=N)` (the studio's dataset sample) is the first N rows by key."""
    with open_sink(destination_url) as sink:
        sink.write_batch("client_notes", [note(i) for i in (5, 3, 9, 1)], ["id"])
        assert [row["id"] for row in sink.read_rows("client_notes", limit=2)] == [1, 3]
        assert len(sink.read_rows("client_notes")) == 4
