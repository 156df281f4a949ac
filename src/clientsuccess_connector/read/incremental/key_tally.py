"""The distinct primary keys a read has seen, held compactly enough for millions of records.

An incremental read proves itself by counting the distinct records it read against the
server's `totalElements`, so it must remember every key of the pass. A Python set of key
tuples costs about 110 bytes per record (a tuple, its values and a set slot): 110 MB at a
million records. Here a single-column key of integers or text is kept as one Arrow array per
page (8 bytes per integer id) and counted once, at the end, by Arrow; anything else (composite
keys, mixed or other types, integers beyond 64 bits) falls back to a set of tuples.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Arrow loads with the first page of keys, not with the module
    import pyarrow as pa

__all__ = ["KeyTally"]

Record = dict[str, Any]


def _compact(kind: pa.DataType) -> bool:
    """Key types Arrow counts exactly as Python's set would (floats and bools compare
    across types in Python: 1 == 1.0 == True; those go to the set)."""
    import pyarrow as pa  # noqa: PLC0415

    return bool(pa.types.is_integer(kind) or pa.types.is_string(kind))


class KeyTally:
    """Adds each page's primary keys; `len()` is how many distinct keys were added.

    A record without its key counts under a null key, as the sink sets it aside.
    """

    def __init__(self, key: Sequence[str]) -> None:
        self._key = tuple(key)
        self._chunks: list[pa.Array] | None = [] if len(self._key) == 1 else None
        self._tuples: set[tuple[Any, ...]] = set()
        self._twice: set[tuple[Any, ...]] = set()  # keys added again (tuple representation)
        self.rows = 0  # records added, a key listed twice counted twice

    def add(self, page: Sequence[Record]) -> None:
        """Remember the keys of one page's records."""
        if not page:
            return
        self.rows += len(page)
        if self._chunks is not None:
            self._add_column(page)
        else:
            self._add_tuples(page)

    def __len__(self) -> int:
        if self._chunks is None:
            return len(self._tuples)
        if not self._chunks:
            return 0
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415

        distinct = pc.count_distinct(pa.chunked_array(self._chunks), mode="all")
        return int(distinct.as_py())

    def repeated(self) -> frozenset[tuple[Any, ...]]:
        """The keys added more than once."""
        if self._chunks is None:
            return frozenset(self._twice)
        if not self._chunks:
            return frozenset()
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415

        counts = pc.value_counts(pa.chunked_array(self._chunks))
        values, times = counts.field("values"), counts.field("counts")
        twice = pc.filter(values, pc.greater(times, 1))
        return frozenset((value,) for value in twice.to_pylist())

    # -- the two representations ---------------------------------------------------------------

    def _add_column(self, page: Sequence[Record]) -> None:
        """Append the page's single-column keys as an Arrow array; when they do not fit one
        compact Arrow type shared with the earlier pages, the tally becomes a set of tuples."""
        assert self._chunks is not None
        name = self._key[0]
        try:
            values = list(map(itemgetter(name), page))
        except KeyError:
            values = [record.get(name) for record in page]
        import pyarrow as pa  # noqa: PLC0415

        try:
            chunk = pa.array(values)
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            chunk = None
        if (
            chunk is None
            or not _compact(chunk.type)
            or (self._chunks and chunk.type != self._chunks[0].type)
        ):
            self._to_tuples()
            self._add_keys((value,) for value in values)
            return
        self._chunks.append(chunk)

    def _to_tuples(self) -> None:
        """Move the Arrow chunks into the set of tuples, for keys Arrow cannot hold as one type."""
        for chunk in self._chunks or ():
            self._add_keys((value,) for value in chunk.to_pylist())
        self._chunks = None

    def _add_tuples(self, page: Sequence[Record]) -> None:
        key = self._key
        try:  # one C-level pass per key column (a generator per record cost 10% of a sync)
            keys = list(zip(*(map(itemgetter(k), page) for k in key), strict=True))
        except KeyError:  # a record without its key: counted as None, like the sink rejects it
            keys = [tuple(record.get(k) for k in key) for record in page]
        self._add_keys(keys)

    def _add_keys(self, keys: Iterable[tuple[Any, ...]]) -> None:
        """Add keys to the set, noting those added before (set operations, no Python loop)."""
        listed = list(keys)
        distinct = set(listed)
        self._twice.update(self._tuples.intersection(distinct))
        if len(distinct) < len(listed):
            self._twice.update(key for key, times in Counter(listed).items() if times > 1)
        self._tuples.update(distinct)
