"""Pages asked by number inside one instant overlap the page before."""

from __future__ import annotations

import pytest

from clientsuccess_connector.read.incremental.keyset import _overlapping


@pytest.mark.parametrize("size", [12, 15, 100, 500])
def test_each_next_page_starts_a_few_records_back_and_reaches_past_the_end(size: int) -> None:
    """Whatever was read so far, the next page starts 1..size-1 records before the end of
    what was read, is no larger than the page size, and reaches past that end."""
    for end in [*range(size, size * 30), 10**6 + 7, 2**31 - 1]:
        number, length, overlap = _overlapping(end, size)
        assert number * length == end - overlap
        assert 1 <= overlap < length <= size
        assert (number + 1) * length > end
