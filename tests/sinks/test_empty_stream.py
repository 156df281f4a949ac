"""A stream that read no records still gets its table, so `schema NAME` works after its sync."""

from __future__ import annotations

from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.sinks import open_sink


def test_an_empty_stream_gets_its_table_with_the_key_columns(destination_url: str) -> None:
    """No records: the table exists with the primary key and `_cs_synced_at`, and 0 rows."""
    with open_sink(destination_url) as sink:
        sink.write_batch("recent_notes", [], ["id"], {"cursor": "2024-01-01T00:00:00.000Z"})
    with open_sink(destination_url, read_only=True) as sink:
        assert sink.streams() == ["recent_notes"]
        assert [c.name for c in sink.schema("recent_notes")] == ["id", "_cs_synced_at"]
        assert sink.row_count("recent_notes") == 0
        assert sink.read_rows("recent_notes") == []
    result = CliRunner().invoke(cli, ["schema", "recent_notes", "-d", destination_url])
    assert result.exit_code == 0, result.output
    assert "0 rows" in result.output


def test_records_arriving_later_type_the_key_and_add_their_columns(destination_url: str) -> None:
    """The next sync with records stores them with their real types, as if never empty."""
    with open_sink(destination_url) as sink:
        sink.write_batch("notes", [], ["id"])
    with open_sink(destination_url) as sink:
        sink.write_batch("notes", [{"id": 1, "subject": "hi"}, {"id": 2, "subject": None}], ["id"])
    with open_sink(destination_url, read_only=True) as sink:
        types = {c.name: c.type for c in sink.schema("notes")}
        assert types == {"id": "integer", "subject": "text", "_cs_synced_at": "timestamp"}
        rows = sorted(sink.read_rows("notes"), key=lambda r: r["id"])
        assert [(r["id"], r["subject"]) for r in rows] == [(1, "hi"), (2, None)]


def test_an_empty_stream_names_its_key_column_per_the_naming(destination_url: str) -> None:
    """With naming=snake_case the empty table's key is `client_id`, and later records land in
    it, not in a second `clientId` column."""
    with open_sink(destination_url, naming="snake_case") as sink:
        sink.write_batch("pulses", [], ["clientId"])
    with open_sink(destination_url, naming="snake_case") as sink:
        sink.write_batch("pulses", [{"clientId": 7, "pulseType": "note"}], ["clientId"])
    with open_sink(destination_url, read_only=True) as sink:
        names = {c.name for c in sink.schema("pulses")}
        assert names == {"client_id", "pulse_type", "_cs_synced_at"}
        assert [(r["client_id"], r["pulse_type"]) for r in sink.read_rows("pulses")] == [
            (7, "note")
        ]
