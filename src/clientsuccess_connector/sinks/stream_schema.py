"""A stream's evolving schema: columns in order of first appearance, their types, and the
record key each column comes from."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from clientsuccess_connector.sinks.columns import DELETED_AT, SYNCED_AT, Column, ColumnType
from clientsuccess_connector.sinks.naming import API, apply_naming
from clientsuccess_connector.sinks.values import clean_text


@dataclass
class ColumnState:
    """A column as the sink tracks it; `type` is None while the column has only seen nulls
    (it is stored as text until a value says otherwise)."""

    name: str
    type: ColumnType | None

    @property
    def effective_type(self) -> ColumnType:
        """The type the column is stored with."""
        return self.type or "text"


@dataclass
class StreamSchema:
    """Columns of one stream (without `_cs_synced_at`), the record key -> column mapping and
    the primary key (column names, in key order; those columns are NOT NULL). `soft_deletes`:
    the table also has `_cs_deleted_at` (added by its first soft-delete reconciliation).

    Column names are valid for the destination: NUL and lone surrogates become U+FFFD, and
    names are cut to `name_bytes` (UTF-8) where the destination has a limit (PostgreSQL: 63).
    When two keys would share a column (after that, or because a `case_insensitive`
    destination such as DuckDB cannot hold names differing only in case), the later key gets a
    `_2`, `_3`... suffix: deterministic, and kept (with the key it came from) in `_cs_schema`.
    With `naming="snake_case"` new columns are named in snake_case (`clientId` -> `client_id`)
    before that; keys already mapped keep their column.
    """

    columns: dict[str, ColumnState] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    case_insensitive: bool = False
    primary_key: list[str] = field(default_factory=list)
    name_bytes: int | None = None
    soft_deletes: bool = False
    naming: str = API
    collisions: list[tuple[str, str]] = field(default_factory=list, compare=False, repr=False)
    """(key, column) of keys that got a suffixed column since this list was last emptied."""

    def copy(self) -> StreamSchema:
        """An independent copy, changed while a batch is planned and kept only on commit."""
        return copy.deepcopy(self)

    def column_for(self, key: str) -> str:
        """The column name that record key `key` lands in, allotting a new one if needed."""
        name = self.keys.get(key)
        if name is not None:
            return name
        name = apply_naming(self.naming, clean_text(key)) or "_empty"
        taken = {self._fold(n) for n in self.columns} | {self._fold(n) for n in self.keys.values()}
        taken.update({self._fold(SYNCED_AT), self._fold(DELETED_AT)})
        candidate, n = self._cut(name), 1
        while self._fold(candidate) in taken:
            n += 1
            candidate = self._cut(name, f"_{n}")
        if n > 1:
            self.collisions.append((key, candidate))
        self.keys[key] = candidate
        return candidate

    def _cut(self, name: str, suffix: str = "") -> str:
        """`name` + `suffix`, `name` shortened (on a character boundary) to fit `name_bytes`."""
        if self.name_bytes is None:
            return name + suffix
        room = self.name_bytes - len(suffix.encode())
        return name.encode()[:room].decode("utf-8", "ignore") + suffix

    def is_key(self, column: str) -> bool:
        """True if `column` is part of the primary key (and so NOT NULL)."""
        return column in self.primary_key

    def _fold(self, name: str) -> str:
        return name.casefold() if self.case_insensitive else name

    def to_columns(self) -> list[Column]:
        """Public description: data columns in order, then `_cs_synced_at` (and
        `_cs_deleted_at` when the table has it)."""
        cols = [
            Column(c.name, c.effective_type, not self.is_key(c.name)) for c in self.columns.values()
        ]
        cols.append(Column(SYNCED_AT, "timestamp", False))
        if self.soft_deletes:
            cols.append(Column(DELETED_AT, "timestamp", True))
        return cols

    def to_json(self) -> list[dict[str, Any]]:
        """Serializable form (rows of `_cs_schema`, or the file manifest's `schema`); a
        primary-key column is stored as not nullable, which is what `from_json` reads back."""
        key_of = {col: key for key, col in self.keys.items()}
        rows = [
            {
                "column": c.name,
                "type": c.effective_type,
                "nullable": not self.is_key(c.name),
                "position": i,
                "known": c.type is not None,
                "key": key_of.get(c.name, c.name),
            }
            for i, c in enumerate(self.columns.values())
        ]
        if self.soft_deletes:  # a bookkeeping column, kept so that it survives reloading
            rows.append({"column": DELETED_AT, "type": "timestamp", "nullable": True,
                         "position": len(rows), "known": True, "key": DELETED_AT})  # fmt: skip
        return rows

    @classmethod
    def from_json(
        cls,
        rows: list[dict[str, Any]],
        case_insensitive: bool,
        primary_key: list[str] | None = None,
    ) -> StreamSchema:
        """Inverse of `to_json` (rows in any order; sorted by position). `primary_key` when the
        destination stores it apart; otherwise the not-nullable columns, in position order."""
        schema = cls(case_insensitive=case_insensitive)
        stored_key: list[str] = []
        for row in sorted(rows, key=lambda r: int(r["position"])):
            name = str(row["column"])
            if name == SYNCED_AT:
                continue
            if name == DELETED_AT:
                schema.soft_deletes = True
                continue
            known = row.get("known", True)
            schema.columns[name] = ColumnState(name, row["type"] if known else None)
            schema.keys[str(row.get("key") or name)] = name
            if not row.get("nullable", True):
                stored_key.append(name)
        schema.primary_key = list(primary_key) if primary_key is not None else stored_key
        return schema
