"""Every write input format streams (row_number, record) and rejects bad input with one line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.inputs import read_input

ROWS = [{"clientId": 1, "email": "a@x.io"}, {"clientId": 2, "email": "b@x.io"}]


def test_csv_rows_numbered_from_one_and_empty_cell_is_none(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("\ufeffclientId,email,title\n1,a@x.io,\n2,b@x.io,CTO\n", encoding="utf-8")
    assert list(read_input(str(path))) == [
        (1, {"clientId": "1", "email": "a@x.io", "title": None}),
        (2, {"clientId": "2", "email": "b@x.io", "title": "CTO"}),
    ]


def test_ragged_csv_row_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("a,b\n1,2\n1,2,3\n", encoding="utf-8")
    rows = read_input(str(path))
    assert next(rows) == (1, {"a": "1", "b": "2"})
    with pytest.raises(ConfigError, match=r"in\.csv line 3: 3 fields but the header has 2"):
        next(rows)


def test_non_utf8_csv_says_utf8_expected(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes("name\nRen\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="UTF-8 expected"):
        list(read_input(str(path)))


def test_jsonl_and_invalid_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n\n" + json.dumps(ROWS[1]) + "\n{bad\n")
    rows = read_input(str(path))
    assert next(rows) == (1, ROWS[0])
    assert next(rows) == (2, ROWS[1])
    with pytest.raises(ConfigError, match=r"in\.jsonl line 4: invalid JSON"):
        next(rows)


def test_jsonl_on_stdin() -> None:
    stdin = io.StringIO("\n".join(json.dumps(r) for r in ROWS) + "\n")
    assert list(read_input("-", stdin=stdin)) == [(1, ROWS[0]), (2, ROWS[1])]


def test_json_array_streamed_across_chunks(tmp_path: Path) -> None:
    rows = [{"i": i, "text": "x" * (i % 50), "nested": {"n": [i, i + 1]}} for i in range(5000)]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(rows, indent=1))
    got = list(read_input(str(path)))
    assert [n for n, _ in got] == list(range(1, 5001))
    assert [r for _, r in got] == rows


def test_json_array_numbers_split_by_chunks_and_empty_array(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text("[]")
    assert list(read_input(str(path))) == []
    path.write_text("[" + ",".join('{"n": 1234567890123}' for _ in range(20000)) + "]")
    assert all(r == {"n": 1234567890123} for _, r in read_input(str(path)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1}', "expected '\\['"),
        ('[{"a": 1},\n{"a": }]', "line 2: invalid JSON"),
        ('[{"a": 1}, 3]', "element 2 is a int"),
        ('[{"a": 1}', "not closed"),
    ],
)
def test_json_array_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "in.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        list(read_input(str(path)))


def test_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "in.parquet"
    table = pa.Table.from_pylist([{"clientId": i, "email": f"{i}@x.io"} for i in range(5000)])
    pq.write_table(table, path, row_group_size=1000)
    got = list(read_input(str(path)))
    assert len(got) == 5000
    assert got[4999] == (5000, {"clientId": 4999, "email": "4999@x.io"})


def test_duckdb_table_and_query(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "in.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE people AS SELECT range AS clientId, 'e' || range AS email FROM range(2500)"
    )
    con.close()
    got = list(read_input(f"duckdb:///{path}?table=people"))
    assert len(got) == 2500
    assert got[0] == (1, {"clientId": 0, "email": "e0"})
    got = list(read_input(f"duckdb:///{path}?query=SELECT email FROM people WHERE clientId < 3"))
    assert sorted(r["email"] for _, r in got) == ["e0", "e1", "e2"]
    with pytest.raises(ConfigError, match="fix the table name or query"):
        list(read_input(f"duckdb:///{path}?table=nope"))


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "x.xlsx").write_text("")
    with pytest.raises(ConfigError, match="unknown extension"):
        read_input(str(tmp_path / "x.xlsx"))
    with pytest.raises(ConfigError, match="does not exist"):
        read_input(str(tmp_path / "nope.csv"))


@pytest.mark.postgres
def test_postgres_query() -> None:
    import psycopg

    dsn = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.Error:
        pytest.skip("no PostgreSQL at 127.0.0.1:5432 with postgres/postgres")
    sql = "SELECT g AS \"clientId\", 'e' || g AS email FROM generate_series(1, 2500) g"
    got = list(read_input(f"{dsn}?query={sql}"))
    assert len(got) == 2500
    assert got[0] == (1, {"clientId": 1, "email": "e1"})


def test_duckdb_tables_are_read_in_a_stable_order(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A table comes back in primary-key order (or `order_by`); a query without ORDER BY warns."""
    import duckdb

    path = tmp_path / "in.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE keyed (id INTEGER PRIMARY KEY, email TEXT)")
    con.execute("INSERT INTO keyed VALUES (3, 'c'), (1, 'a'), (2, 'b')")
    con.execute("CREATE TABLE plain (n INTEGER, email TEXT)")
    con.execute("INSERT INTO plain VALUES (2, 'y'), (1, 'x'), (3, 'z')")
    con.close()
    emails = lambda url: [r["email"] for _, r in read_input(url)]  # noqa: E731
    assert emails(f"duckdb:///{path}?table=keyed") == ["a", "b", "c"]
    assert emails(f"duckdb:///{path}?table=keyed&order_by=email") == ["a", "b", "c"]
    assert emails(f"duckdb:///{path}?table=plain&order_by=n") == ["x", "y", "z"]
    assert sorted(emails(f"duckdb:///{path}?table=plain")) == ["x", "y", "z"]  # whole-row order
    with pytest.raises(ConfigError, match="unknown option 'sort'"):
        list(read_input(f"duckdb:///{path}?table=plain&sort=n"))
    with caplog.at_level("WARNING", logger="clientsuccess_connector"):
        assert sorted(emails(f"duckdb:///{path}?query=SELECT * FROM plain")) == ["x", "y", "z"]
    assert "no ORDER BY" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="clientsuccess_connector"):
        emails(f"duckdb:///{path}?query=SELECT * FROM plain ORDER BY n")
    assert caplog.text == ""


def test_json_array_big_elements_bom_and_nan(tmp_path: Path) -> None:
    """An element spanning many chunks reads whole; a BOM is skipped; NaN, which only the
    standard library accepts, still reads (through the line-counting scanner)."""
    path = tmp_path / "in.json"
    big = "t" * (3 << 20)
    path.write_text(json.dumps([{"id": 1, "transcript": big}, {"id": 2, "score": 1.5}]))
    assert list(read_input(str(path))) == [(1, {"id": 1, "transcript": big}),
                                           (2, {"id": 2, "score": 1.5})]  # fmt: skip
    path.write_bytes(b'\xef\xbb\xbf \n[{"a": 1}]')
    assert list(read_input(str(path))) == [(1, {"a": 1})]
    path.write_text('[{"a": 1}, {"a": NaN}]')
    rows = list(read_input(str(path)))
    assert rows[0] == (1, {"a": 1}) and rows[1][0] == 2 and rows[1][1]["a"] != rows[1][1]["a"]


def test_csv_accepts_fields_over_128_kb(tmp_path: Path) -> None:
    """A long transcript (1 MB in one quoted cell) is a value, not a quoting error."""
    path = tmp_path / "in.csv"
    transcript = "word, " * (1 << 18)
    path.write_text(f'clientId,note\n42,"{transcript}"\n', encoding="utf-8")
    assert list(read_input(str(path))) == [(1, {"clientId": "42", "note": transcript})]
