"""Per-lookup-value cursors: what is kept from a stored state, and what is read in full."""

from __future__ import annotations

from clientsuccess_connector.read.incremental.partition_state import (
    PartitionedState,
    partition_key,
    state_summary,
)

FIELD = "modifiedTime"
T1, T2 = "2026-11-01T00:00:00.000Z", "2026-11-02T00:00:00.000Z"


def stored(**extra: object) -> dict[str, object]:
    """A partitioned state over `contracts.id` with two values."""
    return {"cursor_field": FIELD, "partition_by": ["contracts.id"], "precision": "second",
            "partitions": {"[1]": T1, "[2]": T2}, **extra}  # fmt: skip


def test_partition_keys_keep_types_and_column_order_apart() -> None:
    """17 and "17" are two values; the key does not depend on the order of the columns."""
    assert partition_key({"c.id": 17}) != partition_key({"c.id": "17"})
    assert partition_key({"a.x": 1, "b.y": 2}) == partition_key({"b.y": 2, "a.x": 1})


def test_known_values_start_from_their_own_cursor_and_new_ones_in_full() -> None:
    """A value with a cursor gets it (with the precision); an unknown value gets None."""
    state = PartitionedState.load(stored(), FIELD, ["contracts.id"])
    assert state.of("[2]") == {"cursor_field": FIELD, "cursor": T2, "precision": "second"}
    assert state.of("[3]") is None


def test_a_single_cursor_state_names_no_value() -> None:
    """The single cursor of an earlier version is trusted for no value; precision is kept."""
    old = {"cursor_field": FIELD, "cursor": T2, "precision": "ms"}
    state = PartitionedState.load(old, FIELD, ["contracts.id"])
    assert state.of("[1]") is None
    assert state.to_state() == {"cursor_field": FIELD, "partition_by": ["contracts.id"],
                                "precision": "ms", "partitions": {}}  # fmt: skip


def test_other_lookup_columns_or_field_start_over() -> None:
    """Cursors of other lookup columns, or of another cursor field, are not used."""
    assert PartitionedState.load(stored(), FIELD, ["clients.id"]).of("[1]") is None
    other = PartitionedState.load(stored(cursor_field="createdTime"), FIELD, ["contracts.id"])
    assert other.of("[1]") is None and other.precision is None


def test_updates_move_one_cursor_and_only_coarsen_the_precision() -> None:
    """A partition's commit moves its cursor; a finer unit never replaces a coarser one."""
    state = PartitionedState.load(stored(), FIELD, ["contracts.id"])
    state.update("[1]", {"cursor": T2, "precision": "ms"})
    assert state.cursors["[1]"] == T2 and state.precision == "second"
    state.update("[3]", {"cursor": T1, "precision": "day"})
    assert state.cursors["[3]"] == T1 and state.precision == "day"


def test_values_gone_from_the_lookup_are_forgotten() -> None:
    """The state holds the current lookup's values only, so it does not grow with time."""
    state = PartitionedState.load(stored(), FIELD, ["contracts.id"])
    state.keep_only(["[2]", "[9]"])
    assert state.to_state()["partitions"] == {"[2]": T2}


def test_summary_counts_partitions_instead_of_listing_them() -> None:
    """What the studio shows: the number of values and the oldest and newest cursor."""
    summary = state_summary(stored())
    assert summary is not None
    assert summary["partitions"] == 2
    assert (summary["oldest_cursor"], summary["newest_cursor"]) == (T1, T2)
    assert state_summary({"cursor": T1}) == {"cursor": T1}
