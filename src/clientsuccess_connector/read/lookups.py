"""Lookup tables for fan-out: one request per distinct value of the referenced columns.

A lookup comes from a file (any file a write input can be: CSV/TSV with a header row, JSON
lines, a JSON array of objects or Parquet; read by `inputs/`, so with the same streaming and
the same errors) or from the records of another stream of the flow. Only the referenced
columns are kept, as distinct combinations in first-seen order; rows where a referenced
column is missing, null or empty are skipped and counted.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.inputs import FILE_SUFFIXES, read_file

__all__ = ["SUPPORTED_SUFFIXES", "LookupTable", "lookup_rows", "undeclared_lookup"]

SUPPORTED_SUFFIXES = FILE_SUFFIXES

_Numbered = Iterator[tuple[int, Mapping[str, Any]]]  # (line or item number, record)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _key(value: Any) -> tuple[str, Any]:
    """A hashable identity that keeps types apart (1, "1" and True are three values)."""
    try:
        hash(value)
    except TypeError:
        return type(value).__name__, orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return type(value).__name__, value


class LookupTable:
    """Rows of a lookup, read lazily; `distinct_rows` gives the fan-out values."""

    def __init__(
        self,
        name: str,
        *,
        source: str,
        reader: Callable[[], _Numbered] | None = None,
        rows: list[Mapping[str, Any]] | None = None,
    ) -> None:
        self.name = name
        self.source = source  # for messages: the file path or "records"
        self.skipped = 0  # rows skipped by the last distinct_rows (a referenced value empty)
        self._reader = reader  # reads a file again from the start
        self._rows = rows
        self._columns: set[str] | None = None  # known once the rows have been read
        self._cache: dict[tuple[str, ...], tuple[list[dict[str, Any]], int]] = {}

    def __repr__(self) -> str:
        return f"LookupTable({self.name!r}, source={self.source!r})"

    # --- construction ------------------------------------------------------------------

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        *,
        columns: Sequence[str] | None = None,
        name: str | None = None,
    ) -> LookupTable:
        """A lookup read from a file as a write input is: CSV, TSV, JSON lines, a JSON array
        or Parquet, streamed.

        With `columns`, the file is read once now, keeping only those columns (and errors,
        such as a missing column, show up at once); without, it is read when needed."""
        file = Path(path)
        suffix = file.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise ConfigError(
                f"lookup file {str(file)!r} has an unsupported type; use one of: "
                f"{', '.join(SUPPORTED_SUFFIXES)}"
            )
        if not file.is_file():
            raise ConfigError(
                f"lookup file {str(file)!r} does not exist; check the file: path of the lookup"
            )
        table = cls(name or file.stem, source=str(file), reader=lambda: read_file(file))
        if columns is not None:
            table.distinct_rows(columns)
        return table

    @classmethod
    def from_records(
        cls,
        name: str,
        records: Iterable[Mapping[str, Any]],
        *,
        columns: Sequence[str] | None = None,
    ) -> LookupTable:
        """A lookup over another stream's records (consumed once).

        With `columns`, only the distinct values of those columns are kept; without, the
        records are kept in memory so that any column can be asked for later."""
        if columns is None:
            rows = list(records)
            return cls(name, source=f"stream {name}", rows=rows)
        table = cls(name, source=f"stream {name}")
        numbered = ((index, record) for index, record in enumerate(records, 1))
        table._collect(tuple(columns), numbered)
        table._check_columns(tuple(columns))
        return table

    # --- queries -----------------------------------------------------------------------

    @property
    def columns(self) -> set[str]:
        """Every column seen: the union of the keys of the records."""
        if self._columns is None and (self._reader is not None or self._rows is not None):
            seen: set[str] = set()
            for _, record in self._numbered():
                seen.update(record.keys())
            self._columns = seen
        return set(self._columns or ())

    def distinct_rows(self, columns: Sequence[str]) -> list[dict[str, Any]]:
        """Distinct combinations of `columns`, first-seen order; rows where any of them is
        missing, null or empty are skipped (their number is in `.skipped`)."""
        wanted = tuple(dict.fromkeys(columns))
        if wanted not in self._cache:
            if self._reader is None and self._rows is None:
                raise ConfigError(
                    f"lookup {self.name!r} kept only the columns "
                    f"{', '.join(sorted(self._columns or ()))}; "
                    f"declare {', '.join(wanted)} when it is built"
                )
            self._check_columns(wanted)
            self._collect(wanted, self._numbered())
            self._check_columns(wanted)
        rows, skipped = self._cache[wanted]
        self.skipped = skipped
        return [dict(row) for row in rows]

    # --- internals ---------------------------------------------------------------------

    def _numbered(self) -> _Numbered:
        if self._rows is not None:
            return ((index, row) for index, row in enumerate(self._rows, 1))
        assert self._reader is not None
        return self._reader()

    def _check_columns(self, wanted: tuple[str, ...]) -> None:
        if self._columns is None:
            return
        missing = [column for column in wanted if column not in self._columns]
        if missing:
            available = ", ".join(sorted(self._columns)) or "(none)"
            raise ConfigError(
                f"lookup {self.name!r} ({self.source}) has no column "
                f"{', '.join(repr(m) for m in missing)}; available columns: {available}"
            )

    def _collect(self, wanted: tuple[str, ...], numbered: _Numbered) -> None:
        seen: set[tuple[tuple[str, Any], ...]] = set()
        rows: list[dict[str, Any]] = []
        skipped = 0
        count = 0
        union: set[str] = set()
        for _, record in numbered:
            count += 1
            if self._columns is None:
                union.update(record.keys())
            values = [record.get(column) for column in wanted]
            if any(_is_empty(value) for value in values):
                skipped += 1
                continue
            identity = tuple(_key(value) for value in values)
            if identity not in seen:
                seen.add(identity)
                rows.append(dict(zip(wanted, values, strict=True)))
        if self._columns is None and count:  # an empty source has no columns to check
            self._columns = union
        self._cache[wanted] = (rows, skipped)


def undeclared_lookup(lookup: str, declared: Iterable[str], where: str) -> ConfigError:
    """The error for a macro naming a lookup the flow does not declare."""
    names = sorted(declared)
    close = difflib.get_close_matches(lookup, names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ConfigError(
        f"{where} uses lookup {lookup!r}, which is not declared under `lookups:` "
        f"(declared: {', '.join(names) or 'none'}){hint}"
    )


def lookup_rows(
    tables: Mapping[str, LookupTable],
    refs: Iterable[tuple[str, str]],
    *,
    where: str = "a macro",
) -> list[dict[str, dict[str, Any]]]:
    """The `row` argument of each fanned-out request: `{lookup: {column: value}}`.

    `refs` are the `(lookup, column)` pairs a source uses (see `macros.lookup_refs`). Each
    lookup contributes its distinct rows of the referenced columns; several lookups combine
    as every combination. No refs gives one empty row (a single request). `where` names the
    source in the error for an undeclared lookup."""
    by_lookup: dict[str, list[str]] = {}
    for lookup, column in sorted(refs):
        by_lookup.setdefault(lookup, []).append(column)
    per_lookup: list[list[tuple[str, dict[str, Any]]]] = []
    for lookup, columns in by_lookup.items():
        if lookup not in tables:
            raise undeclared_lookup(lookup, tables, where)
        per_lookup.append([(lookup, row) for row in tables[lookup].distinct_rows(columns)])
    return [dict(combination) for combination in itertools.product(*per_lookup)]


def no_values_note(tables: Mapping[str, LookupTable], refs: Iterable[tuple[str, str]]) -> str:
    """Why a fan-out over `refs` makes no request: which lookup gave no value, and how many of
    its rows had an empty one (for the summary of a read that legitimately made none)."""
    by_lookup: dict[str, list[str]] = {}
    for lookup, column in sorted(refs):
        by_lookup.setdefault(lookup, []).append(column)
    reasons = []
    for lookup, columns in by_lookup.items():
        table = tables.get(lookup)
        if table is None or table.distinct_rows(columns):
            continue
        reasons.append(
            f"lookup {lookup!r} has no value of {', '.join(columns)} "
            f"({table.skipped:,} row(s) with an empty value)"
        )
    return "no requests made: " + ("; ".join(reasons) or "the lookups gave no values")
