"""Every destination stores the values that bulk-load formats tend to mangle exactly: an empty
string apart from a missing value, text with quotes, separators, line breaks and `\\N`, floats
to the last bit, 64-bit integer bounds and microsecond timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from clientsuccess_connector.sinks import SYNCED_AT, open_sink

AWKWARD_TEXTS = [
    "",
    "\\N",
    "NULL",
    '"',
    '""',
    'say "hi", then leave',
    "line one\nline two\r\nline three\rend",
    "tab\there, back\\slash, semi;colon",
    "  padded  ",
    "😀 日本語 é",
    ",",
]
FLOATS = [0.1, 1 / 3, 1e300, 5e-324, -2.5, 123456789.125, -0.0, 2.0**53 + 2]
TIMESTAMPS = [
    "2024-02-29T23:59:59.999999Z",
    "1970-01-01T00:00:00Z",
    "2024-06-01T12:00:00.5+02:00",
]


def _records() -> list[dict[str, Any]]:
    records = []
    for i, text in enumerate(AWKWARD_TEXTS):
        records.append(
            {
                "id": i,
                "text": text,
                "maybe": None if i % 2 else text,
                "number": FLOATS[i % len(FLOATS)],
                "count": [2**63 - 1, -(2**63), 0][i % 3],
                "flag": i % 2 == 0,
                "at": TIMESTAMPS[i % len(TIMESTAMPS)],
                "doc": {"text": text, "list": [text, None, 1.5]},
            }
        )
    return records


def test_awkward_values_come_back_exactly(destination_url: str) -> None:
    """Each value is read back as written (json decoded, timestamps as UTC datetimes)."""
    records = _records()
    with open_sink(destination_url) as sink:
        assert sink.write_batch("values", records, ["id"]) == len(records)
        rows = sink.read_rows("values")
    for row, record in zip(rows, records, strict=True):
        assert isinstance(row.pop(SYNCED_AT), datetime)
        want = dict(record, at=datetime.fromisoformat(record["at"]).astimezone(UTC))
        assert row == want
        assert str(row["number"]) == str(record["number"])  # -0.0 stays -0.0


def test_integers_beyond_64_bits_inside_json_values_read_back_exactly(destination_url: str) -> None:
    """A JSON column holding a 65-bit integer reads back as that integer, never a float."""
    big = -9_223_372_036_854_775_809
    with open_sink(destination_url) as sink:
        sink.write_batch("things", [{"id": 0, "v": big}, {"id": 1, "v": [big, 2**70]}], ["id"])
        rows = {row["id"]: row["v"] for row in sink.read_rows("things")}
    assert rows[1] == [big, 2**70]
    assert rows[0] in (big, str(big))  # a lone big integer is kept exactly, as text or JSON
