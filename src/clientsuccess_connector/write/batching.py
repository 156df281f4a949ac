"""Group prepared rows into requests ("units"): one row, a bulk batch, or a contract's items.

- single-record templates: one row, one request; a PUT carries every body field (null when not
  given), other methods only the given fields;
- bulk templates (`batch: add` or `batch: $`): up to `batch_size` rows per request, the body
  being `{"add": [...]}` or the bare array;
- contract items in per-item mode: consecutive rows with the same contractId become one request
  `{"items": [...]}` (at most `batch_size` items); a change of contractId starts a new request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clientsuccess_connector.catalog import Template, settings
from clientsuccess_connector.connection.urls import render_path
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.write.mapping import Prepared, RowMapper


@dataclass(slots=True)
class Unit:
    """One request to send and the input rows whose outcome it decides."""

    rows: list[int]
    method: str
    path: str
    query: dict[str, Any]
    body: Any
    records: list[dict[str, Any]] = field(default_factory=list)  # per-row bodies, in row order


def resolve_batch_size(batch_size: int | None) -> int:
    """The batch size to use: the catalogue default, never above the catalogue maximum."""
    limits = settings()
    if batch_size is None:
        return limits.default_batch_size
    if batch_size < 1:
        raise ConfigError(f"`batch_size` {batch_size} must be at least 1")
    if batch_size > limits.max_batch_size:
        raise ConfigError(
            f"`batch_size` {batch_size} is above the maximum of {limits.max_batch_size} items "
            f"per request; use {limits.max_batch_size} or less"
        )
    return batch_size


class Batcher:
    """Feed `(row, Prepared)` in input order; get back the units that are complete."""

    def __init__(self, template: Template, mapper: RowMapper, batch_size: int) -> None:
        self.template = template
        self.mapper = mapper
        self.batch_size = batch_size
        self._rows: list[int] = []
        self._bodies: list[dict[str, Any]] = []
        self._key: Any = None
        self._query: dict[str, Any] = {}
        self._path_values: dict[str, Any] = {}
        self._full_record = template.replaces_whole and not mapper.item_mode

    def add(self, row: int, prepared: Prepared) -> list[Unit]:
        """Units completed by this row (often none while a batch fills)."""
        if self.template.is_bulk:
            self._append(row, prepared)
            if len(self._rows) >= self.batch_size:
                return self.flush()
            return []
        if self.mapper.item_mode:
            key = prepared.path_values.get("contractId")
            done = self.flush() if self._rows and key != self._key else []
            self._key = key
            self._append(row, prepared)
            if len(self._rows) >= self.batch_size:
                done.extend(self.flush())
            return done
        body = prepared.body
        if self._full_record:
            body = {name: prepared.body.get(name) for name in self.mapper.body_fields}
        return [
            Unit(
                rows=[row],
                method=self.template.method,
                path=render_path(self.template.path, prepared.path_values),
                query=prepared.query,
                body=self.template.api_body(body) if self.template.method != "DELETE" else None,
                records=[prepared.body],
            )
        ]

    def _append(self, row: int, prepared: Prepared) -> None:
        if not self._rows:
            self._query = prepared.query
            self._path_values = prepared.path_values
        self._rows.append(row)
        self._bodies.append(prepared.body)

    def subset(self, unit: Unit, rows: list[int]) -> Unit:
        """`unit` narrowed to some of its rows (to re-send after an unknown outcome)."""
        if rows == unit.rows:
            return unit
        keep = [unit.rows.index(row) for row in rows]
        records = [unit.records[i] for i in keep]
        body = self._wrap(records) if self._grouped else unit.body
        return Unit(rows, unit.method, unit.path, unit.query, body, records)

    def alone(self, row: int, prepared: Prepared) -> Unit:
        """A unit of this one row (a batch of one for bulk templates), outside any batch."""
        if not self._grouped:
            return self.add(row, prepared)[0]
        path = render_path(self.template.path, prepared.path_values)
        body = self._wrap([prepared.body])
        return Unit([row], self.template.method, path, prepared.query, body, [prepared.body])

    @property
    def _grouped(self) -> bool:
        return self.template.is_bulk or self.mapper.item_mode

    def _wrap(self, bodies: list[dict[str, Any]]) -> Any:
        if self.mapper.item_mode:
            return {"items": bodies}
        if self.template.batch == "$":
            return bodies
        return {self.template.batch: bodies}

    def flush(self) -> list[Unit]:
        """The partly filled batch or item group, if any."""
        if not self._rows:
            return []
        unit = Unit(
            rows=self._rows,
            method=self.template.method,
            path=render_path(self.template.path, self._path_values),
            query=self._query,
            body=self._wrap(self._bodies),
            records=self._bodies,
        )
        self._rows, self._bodies = [], []
        return [unit]
