"""In-memory records per resource, with cached JSON bytes and cached query results.

Each resource keeps its records by id, a `version` bumped on every write (query caches are keyed
by it), and the orjson bytes of each record, made on first read and dropped when it changes.
All methods are thread-safe: the server thread writes while test code inspects.
"""

from __future__ import annotations

import copy
import random
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import orjson

from clientsuccess_connector.simulator import datagen, health
from clientsuccess_connector.simulator.timefmt import Clock

Record = dict[str, Any]

_UUID_RESOURCES = {"clients", "contacts", "contracts", "pulses", "products", "contract_notes",
                   "contract_attachments"}  # fmt: skip
_QUERY_CACHE_LIMIT = 512


def _index_key(rec: Record, fields: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(v.casefold() if isinstance(v := rec.get(f), str) else v for f in fields)


class Resource:
    """The records of one resource and their caches."""

    def __init__(self, name: str, records: Iterable[Record], id_field: str = "id") -> None:
        self.name = name
        self.id_field = id_field
        self.records: dict[Any, Record] = {r[id_field]: r for r in records}
        self.by_uuid: dict[str, Any] = {}
        if name in _UUID_RESOURCES:
            self.by_uuid = {r["uuid"]: r[id_field] for r in self.records.values() if r.get("uuid")}
        self.version = 0
        self.bytes: dict[Any, bytes] = {}
        self.queries: dict[Hashable, list[Any]] = {}
        self.order: list[str] = []
        for rec in self.records.values():
            self.order = list(rec)
            break
        self.fields: set[str] = set(self.order)
        self.indexes: dict[tuple[str, ...], dict[tuple[Any, ...], Any]] = {}
        # Earlier versions (None: not yet created) and deletions (server ms, last version),
        # kept while `Store.track_versions` is on, for a lagging replica (hostile.py).
        self.past: dict[Any, list[Record | None]] = {}
        self.gone: dict[Any, tuple[int, Record]] = {}

    def find_by(self, fields: tuple[str, ...], key: tuple[Any, ...]) -> Record | None:
        """The record whose `fields` (strings case-folded) equal `key`, through a lazy index.

        The index is kept current by `index_put`; an entry gone stale (a record whose key
        changed in place) is caught by re-checking the record, then the index is rebuilt.
        """
        index = self.indexes.get(fields)
        if index is None:
            index = self.indexes[fields] = {
                _index_key(rec, fields): rid for rid, rec in self.records.items()
            }
        rid = index.get(key)
        rec = self.records.get(rid) if rid is not None else None
        if rec is not None and _index_key(rec, fields) == key:
            return rec
        if rid is not None:  # stale: rebuild once and look again
            del self.indexes[fields]
            rebuilt = self.indexes[fields] = {
                _index_key(r, fields): i for i, r in self.records.items()
            }
            found = rebuilt.get(key)
            return self.records.get(found) if found is not None else None
        return None

    def index_put(self, rid: Any, rec: Record) -> None:
        """Keep every built index current after a record was written."""
        for fields, index in self.indexes.items():
            index[_index_key(rec, fields)] = rid

    def body(self, rid: Any) -> bytes:
        """The JSON bytes of one record (cached)."""
        data = self.bytes.get(rid)
        if data is None:
            data = orjson.dumps(self.records[rid])
            self.bytes[rid] = data
        return data

    def changed(self, rid: Any) -> None:
        self.bytes.pop(rid, None)
        self.version += 1
        self.queries.clear()


class Store:
    """Every resource of the simulated tenant. Built from (clients, seed); `reset()` rebuilds it."""

    def __init__(self, clients: int = 200, seed: int = 1) -> None:
        self.clients_count = clients
        self.seed = seed
        self.lock = threading.RLock()
        self.clock = Clock()
        self.rng = random.Random(seed ^ 0x5EED)
        self.track_versions = False
        self._build()

    def _build(self) -> None:
        data, next_ids = datagen.generate(self.clients_count, self.seed)
        health.shape(data, self.seed)  # trends on a separate RNG: every other field as drawn
        self.resources: dict[str, Resource] = {}
        for name in datagen.RESOURCES:
            id_field = "fieldId" if name == "custom_fields" else "id"
            self.resources[name] = Resource(name, data[name], id_field)
        self.next_ids = next_ids
        self.clock.raise_floor(datagen.END_MS + datagen.DAY_MS)
        self.rng = random.Random(self.seed ^ 0x5EED)

    def reset(self) -> None:
        """Throw away every write and regenerate the seeded data."""
        with self.lock:
            self._build()

    # --- reading -----------------------------------------------------------------------------
    def resource(self, name: str) -> Resource:
        """The resource called `name` (clients, contacts, ... employees)."""
        return self.resources[name]

    def records(self, name: str) -> list[Record]:
        """Deep copies of every record of a resource, in id order."""
        with self.lock:
            res = self.resources[name]
            return [copy.deepcopy(res.records[k]) for k in sorted(res.records)]

    def get(self, name: str, rid: Any) -> Record | None:
        """A deep copy of one record, or None."""
        with self.lock:
            rec = self.resources[name].records.get(rid)
            return copy.deepcopy(rec) if rec is not None else None

    def find(self, name: str, key: str | int) -> Record | None:
        """The live record with this id or uuid (numeric text counts as an id), or None."""
        res = self.resources[name]
        if isinstance(key, int):
            return res.records.get(key)
        rid = res.by_uuid.get(key)
        if rid is not None:
            return res.records.get(rid)
        if key.isdigit():
            return res.records.get(int(key))
        return None

    def count(self, name: str) -> int:
        """How many records a resource holds."""
        return len(self.resources[name].records)

    def query(self, name: str, key: Hashable, build: Callable[[Resource], list[Any]]) -> list[Any]:
        """Ids answering a query, cached until the resource changes."""
        res = self.resources[name]
        ids = res.queries.get(key)
        if ids is None:
            ids = build(res)
            if len(res.queries) >= _QUERY_CACHE_LIMIT:
                res.queries.clear()
            res.queries[key] = ids
        return ids

    # --- writing -----------------------------------------------------------------------------
    def new_id(self, name: str) -> int:
        """The next sequential id of a resource (or of `contract_items`)."""
        with self.lock:
            value = self.next_ids[name]
            self.next_ids[name] = value + 1
            return value

    def new_uuid(self) -> str:
        """A fresh UUID (deterministic for the seed and the order of writes)."""
        with self.lock:
            return datagen.new_uuid(self.rng)

    def put(self, name: str, rec: Record) -> None:
        """Insert or replace a record."""
        with self.lock:
            res = self.resources[name]
            rid = rec[res.id_field]
            if self.track_versions:
                res.past.setdefault(rid, []).append(res.records.get(rid))
                res.gone.pop(rid, None)
            res.records[rid] = rec
            if rec.get("uuid") and name in _UUID_RESOURCES:
                res.by_uuid[rec["uuid"]] = rid
            res.fields.update(rec)
            res.index_put(rid, rec)
            res.changed(rid)

    def delete(self, name: str, rid: Any) -> bool:
        """Remove a record; False when it was not there."""
        with self.lock:
            res = self.resources[name]
            rec = res.records.pop(rid, None)
            if rec is None:
                return False
            if rec.get("uuid"):
                res.by_uuid.pop(rec["uuid"], None)
            if self.track_versions:
                res.gone[rid] = (self.clock.now_ms(), rec)
            res.changed(rid)
            return True
