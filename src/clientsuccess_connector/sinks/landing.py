"""The one way every destination lands a batch (a template method): plan it against the
stream's stored schema, commit rows, rejects and state in one transaction of the destination's
own, then count what was repaired or rejected and remember the new schema.

A destination fills in three steps: `_new_schema` (its naming rules for a first batch),
`_commit` (its transaction) and, optionally, `_after_commit` (a file destination compacts)."""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from clientsuccess_connector.sinks.base import Sink
from clientsuccess_connector.sinks.batch import PreparedBatch, prepare_batch
from clientsuccess_connector.sinks.storage import storage_errors
from clientsuccess_connector.sinks.stream_schema import StreamSchema


@dataclass
class BatchPlan:
    """One batch planned against the schema stored for its stream when planning began."""

    stream: str
    records: Sequence[Mapping[str, Any]]
    primary_key: Sequence[str]
    newest_by: str | None
    stored: StreamSchema | None
    """The stream's schema as stored before this batch (None: the stream has no table yet)."""
    prepared: PreparedBatch | None
    """The batch converted and its schema changes planned (None: nothing to write)."""

    @property
    def declares(self) -> bool:
        """A first batch with a primary key: the table is created even without records, so
        `schema NAME` and queries work after a sync that found none."""
        return self.stored is None and bool(self.primary_key)

    @property
    def writes(self) -> bool:
        """True when the batch creates or changes the table (rows, or a declared table)."""
        return self.prepared is not None and (self.prepared.rows > 0 or self.declares)

    @property
    def rejects(self) -> bool:
        """True when some records of the batch are set aside in `_cs_rejects`."""
        return self.prepared is not None and bool(self.prepared.rejects)


class LandingSink(Sink):
    """A `Sink` whose `write_batch` is the template above; subclasses set `_lock` and
    `_schemas` when they open."""

    _lock: threading.RLock
    _schemas: dict[str, StreamSchema]

    def write_batch(
        self,
        stream: str,
        records: Sequence[Mapping[str, Any]],
        primary_key: Sequence[str],
        state: Mapping[str, Any] | None = None,
    ) -> int:
        self._check_name(stream)
        with self._lock, storage_errors(f"destination {self.url}"):
            plan = self._plan(stream, records, primary_key, self._load_schema(stream))
            plan = self._commit(plan, state)
            prepared = plan.prepared
            if prepared is None:
                return 0
            self._tally(stream, prepared.repaired, len(prepared.rejects))
            if plan.writes:
                self._schemas[stream] = prepared.schema
                self._after_commit(plan)
            return prepared.rows

    def _plan(
        self,
        stream: str,
        records: Sequence[Mapping[str, Any]],
        primary_key: Sequence[str],
        stored: StreamSchema | None,
    ) -> BatchPlan:
        """Plan the batch against `stored` (the schema as the destination holds it now)."""
        plan = BatchPlan(stream, records, primary_key, self.newest_by(stream), stored, None)
        if records or plan.declares:
            base = stored or self._new_schema()
            plan.prepared = prepare_batch(base, records, primary_key, stream, plan.newest_by)
        return plan

    @abstractmethod
    def _check_name(self, stream: str) -> None:
        """ConfigError when `stream` cannot name a table (or file) of this destination."""

    @abstractmethod
    def _new_schema(self) -> StreamSchema:
        """An empty schema with this destination's naming rules, for a stream's first batch."""

    @abstractmethod
    def _commit(self, plan: BatchPlan, state: Mapping[str, Any] | None) -> BatchPlan:
        """Apply the plan's schema changes and rows, its rejects, then `state`, atomically.
        Returns the plan that was committed (a destination may plan again inside its
        transaction when another writer changed the schema meanwhile)."""

    def _after_commit(self, plan: BatchPlan) -> None:
        """Called after a committed batch that wrote rows or created the table."""
