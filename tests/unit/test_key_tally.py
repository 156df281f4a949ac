"""The distinct-key count that proves an incremental read complete, for any key values."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from clientsuccess_connector.read.incremental.key_tally import KeyTally

KEY_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=5),
    st.booleans(),
    st.floats(allow_nan=False),
)


def _records(name: str, values: list[Any]) -> list[dict[str, Any]]:
    return [{name: value, "other": 1} for value in values]


@given(st.lists(st.lists(KEY_VALUES, max_size=8), max_size=6))
def test_single_column_keys_count_like_a_set_whatever_their_types(pages: list[list[Any]]) -> None:
    """Ints, big ints, text, nulls and mixed pages: the count is that of a set of the keys."""
    tally = KeyTally(["id"])
    expected: set[tuple[Any, ...]] = set()
    for values in pages:
        tally.add(_records("id", values))
        expected.update((v,) for v in values)
    assert len(tally) == len(expected)


def test_integer_ids_repeated_across_pages_count_once() -> None:
    """A record read twice (it moved between pages) counts once."""
    tally = KeyTally(["id"])
    tally.add(_records("id", [1, 2, 3]))
    tally.add(_records("id", [3, 4]))
    assert len(tally) == 4


def test_a_record_without_its_key_counts_under_one_null_key() -> None:
    """Records missing the key are one distinct (null) key, as the sink sets them aside."""
    tally = KeyTally(["id"])
    tally.add([{"id": 1}, {"other": 2}, {"other": 3}])
    assert len(tally) == 2


def test_composite_keys_count_distinct_pairs() -> None:
    """A key of two columns counts distinct pairs."""
    tally = KeyTally(["clientId", "id"])
    tally.add([{"clientId": 1, "id": 1}, {"clientId": 1, "id": 2}, {"clientId": 2, "id": 1}])
    tally.add([{"clientId": 1, "id": 1}, {"id": 9}])
    assert len(tally) == 4


def test_nothing_added_counts_zero() -> None:
    tally = KeyTally(["id"])
    tally.add([])
    assert len(tally) == 0
