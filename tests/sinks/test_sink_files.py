"""File destinations: the visible files are complete, merged and readable by other tools."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.sinks.files.lock import LOCK
from clientsuccess_connector.sinks.files.manifest import MANIFEST
from clientsuccess_connector.sinks.files.sink import COMPACT_EVERY, PARTS_DIR

RECORDS = [
    {"id": 1, "note": 'a "quote", & <b>html</b>\nnew line', "tags": [1, {"x": None}], "n": None},
    {"id": 2, "note": "ünïcode 🎉", "tags": {"k": "v"}, "n": 2.5},
]


def _write(url: str) -> None:
    with open_sink(url) as sink:
        sink.write_batch("notes", RECORDS, ["id"], state={"cursor": "c1"})
        sink.write_batch("notes", [{**RECORDS[0], "note": "updated"}], ["id"])


def test_layout_after_close(tmp_path: Path) -> None:
    _write(f"jsonl:///{tmp_path}")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [LOCK, MANIFEST, "notes.jsonl", "notes.schema.json"]
    schema = json.loads((tmp_path / "notes.schema.json").read_text())
    assert schema["primary_key"] == ["id"]
    assert [c["name"] for c in schema["columns"]] == ["id", "note", "tags", "n", "_cs_synced_at"]
    state = json.loads((tmp_path / MANIFEST).read_text())
    assert state["streams"]["notes"]["state"] == {"cursor": "c1"}


def test_jsonl_file_holds_one_merged_line_per_key_with_nested_json(tmp_path: Path) -> None:
    _write(f"jsonl:///{tmp_path}")
    lines = [orjson.loads(line) for line in (tmp_path / "notes.jsonl").read_bytes().splitlines()]
    by_id = {line["id"]: line for line in lines}
    assert len(lines) == 2
    assert by_id[1]["note"] == "updated"
    assert by_id[2]["note"] == "ünïcode 🎉"
    assert by_id[1]["tags"] == [1, {"x": None}]
    assert by_id[2]["tags"] == {"k": "v"}
    assert by_id[1]["_cs_synced_at"].endswith("Z")


def test_csv_file_keeps_nested_values_as_json_text(tmp_path: Path) -> None:
    with open_sink(f"csv:///{tmp_path}") as sink:
        sink.write_batch("notes", RECORDS, ["id"])
    with (tmp_path / "notes.csv").open(newline="", encoding="utf-8") as fh:
        rows = {row["id"]: row for row in csv.DictReader(fh)}
    assert rows["1"]["note"] == RECORDS[0]["note"]
    assert json.loads(rows["1"]["tags"]) == [1, {"x": None}]
    assert rows["1"]["n"] == ""
    assert rows["2"]["n"] == "2.5"


def test_parquet_file_has_typed_columns(tmp_path: Path) -> None:
    with open_sink(f"parquet:///{tmp_path}") as sink:
        sink.write_batch("notes", RECORDS, ["id"])
    table = pq.read_table(tmp_path / "notes.parquet")
    types = {f.name: str(f.type) for f in table.schema}
    assert types["id"] == "int64"
    assert types["n"] == "double"
    assert types["_cs_synced_at"].startswith("timestamp")
    rows = {r["id"]: r for r in table.to_pylist()}
    assert json.loads(rows[2]["tags"]) == {"k": "v"}


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_uncommitted_part_left_by_a_crash_is_ignored(tmp_path: Path, kind: str) -> None:
    url = f"{kind}:///{tmp_path}"
    _write(url)
    stray = tmp_path / PARTS_DIR / "notes" / "00000099.parquet"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"half-written")
    with open_sink(url) as sink:
        assert not stray.exists()
        assert sink.row_count("notes") == 2
        assert [r["note"] for r in sink.read_rows("notes")] == ["updated", "ünïcode 🎉"]


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_compaction_interrupted_after_the_rename_is_finished_on_open(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{kind}:///{tmp_path}"
    sink = open_sink(url)
    sink.write_batch("notes", RECORDS, ["id"])
    sink.write_batch("notes", [{"id": 3, "note": "three", "extra": True}], ["id"])
    original = type(sink)._finish_compaction

    def crash(*_args: object) -> None:
        raise RuntimeError("killed after rename")

    monkeypatch.setattr(sink, "_finish_compaction", crash)
    with pytest.raises(RuntimeError):
        sink.close()
    monkeypatch.setattr(type(sink), "_finish_compaction", original)
    with open_sink(url) as again:
        assert again.row_count("notes") == 3
        assert [r["extra"] for r in again.read_rows("notes")] == [None, None, True]
        assert (
            "compacting" not in orjson.loads((tmp_path / MANIFEST).read_bytes())["streams"]["notes"]
        )


def test_many_parts_are_compacted_while_writing(tmp_path: Path) -> None:
    with open_sink(f"parquet:///{tmp_path}") as sink:
        for i in range(COMPACT_EVERY + 3):
            sink.write_batch("s", [{"id": i % 10, "v": i}], ["id"])
        parts = list((tmp_path / PARTS_DIR / "s").glob("*.parquet"))
        assert len(parts) < COMPACT_EVERY
        assert sink.row_count("s") == 10
        assert max(r["v"] for r in sink.read_rows("s")) == COMPACT_EVERY + 2


def test_state_file_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"jsonl:///{tmp_path}"
    with open_sink(url) as sink:
        sink.set_state("notes", {"cursor": 1})
    before = (tmp_path / MANIFEST).read_bytes()
    with open_sink(url) as sink:

        def fail(*_args: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr("os.replace", fail)
        monkeypatch.setattr(Path, "replace", fail)
        with pytest.raises(OSError):
            sink.set_state("notes", {"cursor": 2})
    assert (tmp_path / MANIFEST).read_bytes() == before
