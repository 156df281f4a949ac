"""`Sink.key_rows` and `open_sink(read_only=True)`: what `verify` reads of a destination."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.sinks.base import KeyRow


def stamp(day: int) -> str:
    return f"2025-01-{day:02d}T08:00:00.000Z"


def files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_key_rows_reads_keys_stamps_and_deleted_marks(destination_url: str, tmp_path: Path) -> None:
    """Every row once, with its key, its stamp as a UTC datetime and its deleted mark, from
    a destination opened read-only and left as it was (files: byte for byte)."""
    records = [{"id": n, "modifiedTime": stamp(n + 1), "name": f"n{n}"} for n in range(5)]
    with open_sink(destination_url) as sink:
        sink.write_batch("things", records, ["id"])
        cut = datetime.now(UTC)
        sink.write_batch("things", records[:3], ["id"])
        assert sink.reconcile("things", cut, "soft") == 2
    before = files(tmp_path)
    with open_sink(destination_url, read_only=True) as sink:
        rows = [row for batch in sink.key_rows("things", ["id"], "modifiedTime") for row in batch]
        with pytest.raises(ConfigError, match="no column for key field"):
            next(sink.key_rows("things", ["uuid"]))
        plain = [row for batch in sink.key_rows("things", ["id"]) for row in batch]
    assert sorted(rows) == [
        KeyRow((n,), datetime(2025, 1, n + 1, 8, tzinfo=UTC), n >= 3) for n in range(5)
    ]
    assert sorted(plain) == [KeyRow((n,), None, n >= 3) for n in range(5)]
    assert files(tmp_path) == before


def test_a_destination_without_synced_streams_is_not_made_by_a_read_only_open(
    destination_url: str, tmp_path: Path
) -> None:
    """DuckDB: a missing file is refused; a folder: opened empty and left empty."""
    if destination_url.startswith("postgresql"):
        with pytest.raises(ConfigError, match="holds no synced streams"):
            open_sink(destination_url, read_only=True)
        return
    if destination_url.startswith("duckdb"):
        with pytest.raises(ConfigError, match="does not exist"):
            open_sink(destination_url, read_only=True)
        return
    (tmp_path / "out").mkdir()
    with open_sink(destination_url, read_only=True) as sink:
        assert sink.streams() == []
    assert list((tmp_path / "out").iterdir()) == []
