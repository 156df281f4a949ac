"""A record listed twice keeps its newest version by the stream's incremental field, whatever
order the copies arrive in: within one batch, across batches, across runs, in every destination.
Before, the last copy seen won: a server listing an older copy last stored the older record."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.sinks.base import DeleteMode
from clientsuccess_connector.sinks.batch import dedupe

STAMP = "modifiedDate"
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def version(key: int, minutes: int | None, label: str) -> dict[str, Any]:
    stamp = None if minutes is None else (T0 + timedelta(minutes=minutes)).isoformat()
    return {"id": key, STAMP: stamp, "label": label}


def newest(copies: list[dict[str, Any]]) -> dict[str, Any]:
    """The version a user expects to keep: the latest stamp; among equals, the last arrival;
    a version without a stamp only when no copy has one."""
    stamped = [c for c in copies if c[STAMP] is not None]
    if not stamped:
        return copies[-1]
    latest = max(c[STAMP] for c in stamped)
    return [c for c in stamped if c[STAMP] == latest][-1]


def arrivals(seed: int, keys: int = 40) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """Every key listed one to three times with random stamps (some equal, some missing), in a
    random order: the copies and the version expected per key."""
    rng = random.Random(seed)
    copies: list[dict[str, Any]] = []
    for key in range(keys):
        for n in range(rng.randint(1, 3)):
            minutes = rng.choice([None, 0, 5, 5, 10, 20])
            copies.append(version(key, minutes, f"k{key}v{n}"))
    rng.shuffle(copies)
    expected = {k: newest([c for c in copies if c["id"] == k]) for k in range(keys)}
    return copies, expected


@pytest.mark.parametrize("seed", range(30))
def test_a_batch_keeps_the_newest_copy_of_each_key(seed: int) -> None:
    copies, expected = arrivals(seed)
    kept, _ = dedupe(copies, ["id"], STAMP)
    assert {r["id"]: r["label"] for r in kept} == {k: v["label"] for k, v in expected.items()}


def test_without_a_field_the_last_copy_wins() -> None:
    copies = [version(1, 10, "new"), version(1, 0, "old")]
    kept, _ = dedupe(copies, ["id"])
    assert [r["label"] for r in kept] == ["old"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_destination_keeps_the_newest_copy_across_batches(
    destination_url: str, seed: int
) -> None:
    copies, expected = arrivals(seed)
    rng = random.Random(seed)
    with open_sink(destination_url) as sink:
        sink.keep_newest_by("notes", STAMP)
        start = 0
        while start < len(copies):  # batches of random sizes, some holding two copies of a key
            size = rng.randint(1, 12)
            sink.write_batch("notes", copies[start : start + size], ["id"])
            start += size
        rows = {r["id"]: r["label"] for r in sink.read_rows("notes")}
    assert rows == {k: v["label"] for k, v in expected.items()}


@pytest.mark.parametrize("mode", ["soft", "hard"])
def test_an_older_copy_later_in_a_run_keeps_the_record_and_no_reconcile_takes_it(
    destination_url: str, mode: DeleteMode
) -> None:
    """An older copy read after the record in the same full read loses, and the record still
    counts as read: the reconcile that follows deletes nothing."""
    with open_sink(destination_url) as sink:
        sink.write_batch("notes", [version(1, 10, "a"), version(2, 10, "b")], ["id"])
    with open_sink(destination_url) as sink:
        since = datetime.now(UTC)
        sink.keep_newest_by("notes", STAMP, since)
        sink.write_batch("notes", [version(1, 20, "new"), version(2, 20, "b2")], ["id"])
        sink.write_batch("notes", [version(1, 5, "old")], ["id"])
        assert sink.reconcile("notes", since, mode) == 0
        rows = {r["id"]: r for r in sink.read_rows("notes")}
    assert {k: r["label"] for k, r in rows.items()} == {1: "new", 2: "b2"}
    assert all(r.get("_cs_deleted_at") is None for r in rows.values())


def test_a_later_run_replaces_the_stored_version_whatever_its_stamp(destination_url: str) -> None:
    """The server lists one version of a record now; its stamp may be lower than the stored
    one (a clock set back, a record restored). A later run, a full refresh above all, repairs
    the row instead of keeping the stored version forever."""
    with open_sink(destination_url) as sink:
        sink.keep_newest_by("notes", STAMP, datetime.now(UTC))
        sink.write_batch("notes", [version(1, 10, "before")], ["id"])
    with open_sink(destination_url) as sink:
        sink.keep_newest_by("notes", STAMP, datetime.now(UTC))
        sink.write_batch("notes", [version(1, 0, "restored")], ["id"])
        rows = {r["id"]: r["label"] for r in sink.read_rows("notes")}
    assert rows == {1: "restored"}
