"""Lookup tables for fan-out."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.lookups import LookupTable, lookup_rows
from clientsuccess_connector.read.macros import lookup_refs, render


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """Write a CSV file."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_csv_with_hundreds_of_values_gives_distinct_rows(tmp_path: Path) -> None:
    """Hundreds of rows with repeats give each id once, in first-seen order; blanks are skipped."""
    rows = [[i % 300, f"name {i}"] for i in range(900)] + [["", "blank"], ["  ", "space"]]
    file = write_csv(tmp_path / "contracts.csv", ["id", "name"], rows)
    table = LookupTable.from_file(file)
    assert table.name == "contracts"
    assert table.columns == {"id", "name"}
    distinct = table.distinct_rows(["id"])
    assert distinct == [{"id": str(i)} for i in range(300)]
    assert table.skipped == 2


def test_distinct_combinations_of_several_columns(tmp_path: Path) -> None:
    """Several referenced columns give distinct combinations."""
    file = write_csv(
        tmp_path / "l.csv", ["a", "b", "c"], [[1, "x", 0], [1, "y", 0], [1, "x", 9], [2, "x", 0]]
    )
    table = LookupTable.from_file(file)
    assert table.distinct_rows(["a", "b"]) == [
        {"a": "1", "b": "x"},
        {"a": "1", "b": "y"},
        {"a": "2", "b": "x"},
    ]


def test_jsonl_keeps_types_and_counts_missing(tmp_path: Path) -> None:
    """JSON lines keep value types; rows without the column or with null are skipped."""
    file = tmp_path / "contracts.jsonl"
    lines = [{"id": i % 250, "extra": "x" * 10} for i in range(500)]
    lines += [{"other": 1}, {"id": None}]
    file.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n", encoding="utf-8")
    table = LookupTable.from_file(file, columns=["id"])
    assert table.distinct_rows(["id"]) == [{"id": i} for i in range(250)]
    assert table.skipped == 2
    assert table.columns == {"id", "extra", "other"}


def test_json_array_file(tmp_path: Path) -> None:
    """A .json file holding an array of objects."""
    file = tmp_path / "c.json"
    file.write_text(json.dumps([{"id": 1}, {"id": 1}, {"id": "1"}]), encoding="utf-8")
    assert LookupTable.from_file(file).distinct_rows(["id"]) == [{"id": 1}, {"id": "1"}]


def test_from_records_of_another_stream() -> None:
    """Records of another stream, consumed once, keeping only the referenced columns."""
    stream = ({"id": i % 10, "big": "x" * 100} for i in range(100))
    table = LookupTable.from_records("contracts", stream, columns=["id"])
    assert table.distinct_rows(["id"]) == [{"id": i} for i in range(10)]


def test_from_records_without_columns_answers_any_column() -> None:
    """Without columns, any column can be asked for later."""
    table = LookupTable.from_records("c", [{"id": 1, "n": "a"}, {"id": 2, "n": "a"}])
    assert table.distinct_rows(["n"]) == [{"n": "a"}]
    assert table.distinct_rows(["id"]) == [{"id": 1}, {"id": 2}]


def test_empty_stream_gives_no_rows() -> None:
    """An empty upstream stream means no fanned-out requests, not an error."""
    assert LookupTable.from_records("c", iter([]), columns=["id"]).distinct_rows(["id"]) == []


def test_missing_column_lists_available(tmp_path: Path) -> None:
    """A missing column names the lookup, the file and the available columns."""
    file = write_csv(tmp_path / "contracts.csv", ["id", "name"], [[1, "a"]])
    with pytest.raises(ConfigError) as caught:
        LookupTable.from_file(file, columns=["contractId"])
    message = str(caught.value)
    assert "'contractId'" in message
    assert str(file) in message
    assert message.endswith("available columns: id, name")


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is named."""
    with pytest.raises(ConfigError, match=r"nope\.csv' does not exist"):
        LookupTable.from_file(tmp_path / "nope.csv")


def test_unsupported_file_type(tmp_path: Path) -> None:
    """Unknown suffixes list the supported ones."""
    file = tmp_path / "x.xlsx"
    file.write_bytes(b"")
    with pytest.raises(ConfigError, match=r"\.csv, \.tsv, \.jsonl"):
        LookupTable.from_file(file)


def test_bad_encoding_names_line_and_utf8(tmp_path: Path) -> None:
    """A Latin-1 file fails with the line number and the expected encoding."""
    file = tmp_path / "l.csv"
    file.write_bytes("id\n1\ncafé\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"l\.csv line 3: not UTF-8 text.*save the file as UTF-8"):
        LookupTable.from_file(file, columns=["id"])


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """A BOM (as Excel writes) does not end up in the first column's name."""
    file = tmp_path / "l.csv"
    file.write_bytes("\ufeffid\n1\n".encode())
    assert LookupTable.from_file(file).distinct_rows(["id"]) == [{"id": "1"}]


def test_ragged_csv_row(tmp_path: Path) -> None:
    """A row with the wrong number of fields names its line."""
    file = tmp_path / "l.csv"
    file.write_text("id,name\n1,a\n2,b,c\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"l\.csv line 3: 3 fields but the header has 2"):
        LookupTable.from_file(file, columns=["id"])


def test_empty_file_gives_no_rows(tmp_path: Path) -> None:
    """An empty file, like an empty stream, means no fanned-out requests (as an empty input)."""
    for name in ("l.csv", "l.jsonl"):
        (tmp_path / name).write_text("", encoding="utf-8")
        assert LookupTable.from_file(tmp_path / name, columns=["id"]).distinct_rows(["id"]) == []


def test_json_array_streams_and_names_the_bad_element_line(tmp_path: Path) -> None:
    """A .json lookup is read element by element, like a write input: a broken element far
    into a large file is named by its line, after the earlier elements were read."""
    file = tmp_path / "big.json"
    good = ",\n".join(json.dumps({"id": i, "pad": "x" * 200}) for i in range(5000))
    file.write_text(f"[\n{good},\n{{broken\n]", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"big\.json line 5002: invalid JSON"):
        LookupTable.from_file(file, columns=["id"])
    file.write_text(f"[\n{good}\n]", encoding="utf-8")
    table = LookupTable.from_file(file, columns=["id"])
    assert len(table.distinct_rows(["id"])) == 5000


def test_parquet_lookup(tmp_path: Path) -> None:
    """Any file a write input can be is a lookup file, Parquet included."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = tmp_path / "accounts.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": i % 3, "n": "a"} for i in range(10)]), file)
    assert LookupTable.from_file(file).distinct_rows(["id"]) == [{"id": 0}, {"id": 1}, {"id": 2}]


def test_bad_jsonl_line(tmp_path: Path) -> None:
    """A broken JSON line is named."""
    file = tmp_path / "l.jsonl"
    file.write_text('{"id": 1}\n{"id": \n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"l\.jsonl line 2: invalid JSON"):
        LookupTable.from_file(file, columns=["id"])


def test_fan_out_rows_render_requests(tmp_path: Path) -> None:
    """Lookup rows plug into render: one path per distinct contract id."""
    file = write_csv(tmp_path / "contracts.csv", ["id"], [[3], [1], [3], ["a/b"]])
    url = "/contract/{contracts.id}/notes"
    tables = {"contracts": LookupTable.from_file(file)}
    rows = lookup_rows(tables, lookup_refs(url))
    rendered = [render(url, dates=None, row=row, where="path") for row in rows]
    assert rendered == ["/contract/3/notes", "/contract/1/notes", "/contract/a%2Fb/notes"]


def test_fan_out_undeclared_lookup() -> None:
    """A macro naming an undeclared lookup is a config error listing declared lookups."""
    with pytest.raises(ConfigError, match="declared: contracts"):
        lookup_rows({"contracts": LookupTable.from_records("contracts", [])}, {("clients", "id")})


def test_no_refs_is_one_request() -> None:
    """A source without lookup macros makes a single request."""
    assert lookup_rows({}, set()) == [{}]


def test_json_lookup_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """A 5 MB .json lookup with few distinct values is read with a small fraction of its size."""
    import tracemalloc

    file = tmp_path / "wide.json"
    rows = (json.dumps({"id": i % 10, "pad": "x" * 1000}) for i in range(5_000))
    file.write_text("[" + ",".join(rows) + "]", encoding="utf-8")
    size = file.stat().st_size
    tracemalloc.start()
    try:
        table = LookupTable.from_file(file, columns=["id"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(table.distinct_rows(["id"])) == 10
    assert peak < size / 10, (peak, size)
