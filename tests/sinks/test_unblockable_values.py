"""No value can stop a stream: what the API sends is stored (repaired where a destination
cannot hold it as it is), or set aside in `_cs_rejects` with the reason; the stream goes on.

Each test syncs a page through the CLI from a loopback server sending the exact bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from tests.sinks.raw_server import flow_file, serving

from clientsuccess_connector.cli import cli
from clientsuccess_connector.sinks import open_sink


def sync_page(tmp_path: Path, destination: str, body: bytes) -> list[dict[str, Any]]:
    """Sync one page of `body` into `destination`; the stored rows (sync must succeed)."""
    with serving(body) as base_url:
        flow = flow_file(tmp_path, base_url, destination)
        result = CliRunner().invoke(cli, ["sync", "--flow", str(flow), "-q"])
    assert result.exit_code == 0, result.output
    assert "error" not in result.output, result.output
    with open_sink(destination) as sink:
        return [
            {k: v for k, v in r.items() if k != "_cs_synced_at"} for r in sink.read_rows("things")
        ]


def test_nul_in_a_text_value_is_stored_as_a_replacement_character(
    tmp_path: Path, destination_url: str
) -> None:
    rows = sync_page(tmp_path, destination_url, b'{"data": [{"id": 1, "name": "a\\u0000b"}]}')
    assert rows == [{"id": 1, "name": "a\ufffdb"}]


def test_lone_surrogate_is_stored_as_a_replacement_character_and_the_page_kept(
    tmp_path: Path, destination_url: str
) -> None:
    body = b'{"data": [{"id": 1, "name": "x\\ud800y"}, {"id": 2, "name": "fine"}]}'
    rows = sync_page(tmp_path, destination_url, body)
    assert rows == [{"id": 1, "name": "x\ufffdy"}, {"id": 2, "name": "fine"}]


def test_nul_and_surrogates_inside_nested_values_are_replaced(
    tmp_path: Path, destination_url: str
) -> None:
    body = b'{"data": [{"id": 1, "meta": {"a": "n\\u0000", "b": ["\\udfff"]}}]}'
    rows = sync_page(tmp_path, destination_url, body)
    assert rows == [{"id": 1, "meta": {"a": "n\ufffd", "b": ["\ufffd"]}}]


def test_percent_in_field_names_is_kept(tmp_path: Path, destination_url: str) -> None:
    body = b'{"data": [{"id": 1, "growth %": 5, "100%s": "x"}]}'
    rows = sync_page(tmp_path, destination_url, body)
    assert rows == [{"id": 1, "growth %": 5, "100%s": "x"}]


@pytest.mark.postgres
def test_field_names_sharing_their_first_63_bytes_get_distinct_columns(
    tmp_path: Path, postgres_url: str
) -> None:
    long = "customField_" + "x" * 60
    record = {"id": 1, long + "_first": 1, long + "_second": 2}
    rows = sync_page(tmp_path, postgres_url, orjson.dumps({"data": [record]}))
    assert len(rows) == 1 and sorted(rows[0].values()) == [1, 1, 2]
    with open_sink(postgres_url) as sink:
        names = [c.name for c in sink.schema("things")]
    assert all(len(n.encode()) <= 63 for n in names)
    assert names[1] == long[:63] and names[2] == long[:61] + "_2"


def test_integers_beyond_64_bits_are_kept_exactly(tmp_path: Path, destination_url: str) -> None:
    body = (
        b'{"data": [{"id": 123456789012345678901234, "n": 1},'
        b' {"id": 123456789012345678901235, "n": 2}]}'
    )
    rows = sync_page(tmp_path, destination_url, body)
    assert [(str(r["id"]), r["n"]) for r in rows] == [
        ("123456789012345678901234", 1),
        ("123456789012345678901235", 2),
    ]


def test_absurd_nesting_is_stored_and_the_deep_part_kept_as_json_text(
    tmp_path: Path, destination_url: str
) -> None:
    depth = 1_100
    body = b'{"data": [{"id": 1, "deep": ' + b"[" * depth + b"7" + b"]" * depth + b"}]}"
    rows = sync_page(tmp_path, destination_url, body)
    value, levels = rows[0]["deep"], 0
    while isinstance(value, list):
        value, levels = value[0], levels + 1
    assert isinstance(value, str)
    assert levels + value.count("[") == depth and "7" in value


def test_a_record_without_its_primary_key_is_rejected_with_the_reason(
    tmp_path: Path, destination_url: str
) -> None:
    body = b'{"data": [{"id": 1, "v": "kept"}, {"v": "no id"}, {"id": 2, "v": "kept too"}]}'
    rows = sync_page(tmp_path, destination_url, body)
    assert rows == [{"id": 1, "v": "kept"}, {"id": 2, "v": "kept too"}]
    with open_sink(destination_url) as sink:
        assert sink.read_rejects("things") == [("no value for primary key id", {"v": "no id"})]


def test_repaired_values_are_counted_per_stream(destination_url: str) -> None:
    with open_sink(destination_url) as sink:
        sink.write_batch("s", [{"id": 1, "a": "\x00", "b": "ok"}, {"id": 2, "a": "\ud800"}], ["id"])
        sink.write_batch("s", [{"other": 1}], ["id"])
        report = sink.value_report("s")
    assert (report.repaired, report.rejected) == (2, 1)


def test_the_sync_summary_says_what_was_repaired_and_rejected(
    tmp_path: Path, destination_url: str
) -> None:
    """The summary names the values stored as U+FFFD and the records set aside, per stream."""
    body = b'{"data": [{"id": 1, "name": "a\\u0000b"}, {"name": "no id"}, {"id": 2}]}'
    with serving(body) as base_url:  # one server: a destination holds one instance's rows
        flow = flow_file(tmp_path, base_url, destination_url)
        result = CliRunner().invoke(cli, ["sync", "--flow", str(flow), "--log-format", "json"])
        text = CliRunner().invoke(cli, ["sync", "--flow", str(flow)]).output
    assert result.exit_code == 0, result.output
    done = [orjson.loads(line) for line in result.output.splitlines() if "stream_done" in line]
    assert [(d["repaired_values"], d["rejected_records"]) for d in done] == [(1, 1)]
    assert "1 value(s) with NUL or lone surrogates stored as U+FFFD" in text
    assert "1 record(s) set aside in _cs_rejects" in text
