"""Behaviour particular to one destination, and the typing rules on their own."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.sinks.typing_rules import infer_column, widen


@pytest.mark.parametrize(
    ("old", "new", "result"),
    [
        ("integer", "float", "float"),
        ("float", "integer", "float"),
        ("integer", "text", "text"),
        ("boolean", "integer", "text"),
        ("timestamp", "integer", "text"),
        ("timestamp", "text", "text"),
        ("text", "json", "json"),
        ("json", "integer", "json"),
        (None, "boolean", "boolean"),
        ("integer", None, "integer"),
    ],
)
def test_widening_rules(old: str | None, new: str | None, result: str) -> None:
    assert widen(old, new) == result  # type: ignore[arg-type]


def test_inference_is_column_wise() -> None:
    assert infer_column([True, False, None], None) == "boolean"
    assert infer_column([1, True], None) == "text"
    assert infer_column([1, 2.0], None) == "float"
    assert infer_column([None, None], None) is None
    assert infer_column(["2024-03-01T00:00:00Z", "x"], None) == "text"
    assert infer_column(["2024-03-01T00:00:00Z"], "text") == "text"
    assert infer_column([{"a": 1}, 3], None) == "json"
    assert infer_column([2**70], None) == "integer"  # stored as text: see below


def test_integers_beyond_64_bits_are_kept_exactly_as_text(tmp_path: Path) -> None:
    with open_sink(f"duckdb:///{tmp_path / 'x.duckdb'}") as sink:
        sink.write_batch("s", [{"id": 1, "big": 2**70}], ["id"])
        assert sink.read_rows("s")[0]["big"] == str(2**70)


def test_duckdb_keys_differing_only_in_case_get_their_own_columns(tmp_path: Path) -> None:
    with open_sink(f"duckdb:///{tmp_path / 'x.duckdb'}") as sink:
        sink.write_batch("s", [{"id": 1, "Name": "upper", "name": "lower"}], ["id"])
        row = sink.read_rows("s")[0]
    assert row["Name"] == "upper"
    assert row["name_2"] == "lower"


@pytest.mark.postgres
def test_postgres_error_mid_batch_rolls_back_rows_schema_and_state(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_sink(postgres_url) as sink:
        sink.write_batch("s", [{"id": 1, "v": "ok"}], ["id"], state={"cursor": 1})

        def refuse(*_args: object) -> None:
            raise psycopg.errors.DataException("refused by the server")

        with monkeypatch.context() as patch:
            patch.setattr(sink, "_store_state", refuse)
            with pytest.raises(psycopg.Error):
                sink.write_batch(
                    "s", [{"id": 2, "v": "fine", "w": 1}, {"id": 3, "v": "x"}], ["id"], {"c": 2}
                )
        assert sink.row_count("s") == 1
        assert [c.name for c in sink.schema("s")] == ["id", "v", "_cs_synced_at"]
        assert sink.get_state("s") == {"cursor": 1}
        assert sink.write_batch("s", [{"id": 2, "v": "fine", "w": 1}], ["id"], {"cursor": 2}) == 1
        assert sink.get_state("s") == {"cursor": 2}


@pytest.mark.postgres
def test_postgres_schema_option_creates_the_schema(postgres_url: str) -> None:
    with open_sink(postgres_url) as sink:
        sink.write_batch("Mixed Case", [{"id": 1}], ["id"])
        assert sink.streams() == ["Mixed Case"]
    schema = postgres_url.rsplit("schema=", 1)[1]
    with psycopg.connect(postgres_url.split("?", 1)[0]) as con:
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "ORDER BY table_name",
            [schema],
        ).fetchall()
    assert [t[0] for t in tables] == ["Mixed Case", "_cs_rejects", "_cs_schema", "_cs_state"]


@pytest.mark.postgres
def test_postgres_batch_whose_keys_another_writer_stored_meanwhile_is_merged(
    postgres_url: str,
) -> None:
    """New keys are copied straight into the table; when another writer stores one of them
    between the check and the copy, the batch is merged instead of failing."""
    with open_sink(postgres_url) as sink, open_sink(postgres_url) as other:
        sink.write_batch("s", [{"id": 1, "v": "first"}], ["id"])
        check = sink._all_new  # type: ignore[attr-defined]

        def stored_meanwhile(*args: object) -> bool:
            new = bool(check(*args))
            other.write_batch("s", [{"id": 3, "v": "other writer"}], ["id"])
            return new

        sink._all_new = stored_meanwhile  # type: ignore[attr-defined]
        assert sink.write_batch("s", [{"id": 2, "v": "new"}, {"id": 3, "v": "mine"}], ["id"]) == 2
        rows = {r["id"]: r["v"] for r in sink.read_rows("s")}
    assert rows == {1: "first", 2: "new", 3: "mine"}


@pytest.mark.postgres
def test_postgres_key_on_a_table_made_without_one_is_never_appended_unmerged(
    postgres_url: str,
) -> None:
    """A stream first landed without a key, then with one: its table has no primary key to
    refuse a stored key, so no batch may be COPYed blindly (that duplicated rows silently)."""
    with open_sink(postgres_url) as sink:
        sink.write_batch("s", [{"id": 1, "v": "a"}], [])
        with pytest.raises(psycopg.Error):
            sink.write_batch("s", [{"id": 2, "v": "b"}], ["id"])
            sink.write_batch("s", [{"id": 2, "v": "c"}], ["id"])
        ids = [r["id"] for r in sink.read_rows("s")]
    assert sorted(ids) == sorted(set(ids))


@pytest.mark.postgres
def test_postgres_bad_connection_option_is_a_configuration_error(postgres_url: str) -> None:
    """A malformed libpq option value is the user's to fix (exit 2), not an outage that
    `sync --every` would retry for ever."""
    from clientsuccess_connector.errors import ConfigError, DestinationUnavailable

    with pytest.raises(ConfigError, match="cannot connect") as raised:
        open_sink(f"{postgres_url}&connect_timeout=abc")
    assert not isinstance(raised.value, DestinationUnavailable)


@pytest.mark.postgres
def test_postgres_soft_reconcile_keeps_columns_another_sync_added(postgres_url: str) -> None:
    """A reconcile that adds _cs_deleted_at works from the stored schema, not from a copy this
    process loaded before another sync added a column (that column would vanish from it)."""
    from datetime import UTC, datetime

    with open_sink(postgres_url) as sink, open_sink(postgres_url) as other:
        sink.write_batch("s", [{"id": 1, "v": "a"}], ["id"])
        other.write_batch("s", [{"id": 2, "v": "b", "added": 7}], ["id"])
        sink.reconcile("s", datetime.now(UTC), "soft")
    with open_sink(postgres_url) as fresh:
        columns = {c.name for c in fresh.schema("s")}
        rows = {r["id"]: r for r in fresh.read_rows("s")}
    assert "added" in columns
    assert rows[2]["added"] == 7
