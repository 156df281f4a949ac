"""The streams an integration reads: from a flow file or the default streams, resolved, with
the connection settings and the lookups their fan-out needs."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.credentials.resolve import resolve_settings
from clientsuccess_connector.read.chain import plan_lookups
from clientsuccess_connector.read.endpoint import Source, resolve
from clientsuccess_connector.read.fanout import prepare_lookups
from clientsuccess_connector.read.incremental import ServerStatement, supports_incremental
from clientsuccess_connector.read.lookups import LookupTable
from clientsuccess_connector.syncing.run import require_primary_keys
from clientsuccess_connector.syncing.streams import select_sources

if TYPE_CHECKING:
    from clientsuccess_connector.config.flow import Flow


class _SharedConnection:
    """One connection for everyone reading at the same time: opened by the first reader, closed
    by the last, so concurrent readers share one limiter (`max_concurrency`) and one login."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._connection: Connection | None = None

    @contextmanager
    def use(self, connect: Callable[[], Connection]) -> Iterator[Connection]:
        with self._lock:
            if self._connection is None:
                self._connection = connect()
            self._users += 1
            connection = self._connection
        try:
            yield connection
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    self._connection = None
                    connection.close()


@dataclass(frozen=True)
class StreamPlan:
    """Resolved sources plus the settings to reach them; `flow` when a flow file named them."""

    settings: ConnectionSettings
    sources: dict[str, Source]
    flow: Flow | None = None
    _shared: _SharedConnection = field(default_factory=_SharedConnection, repr=False, compare=False)

    def connect(self) -> Connection:
        """A connection with the plan's settings, credentials checked."""
        self.settings.require_credentials()
        return Connection(self.settings)

    def shared_connection(self) -> contextlib.AbstractContextManager[Connection]:
        """The connection every stream read at the same time shares (see `_SharedConnection`)."""
        return self._shared.use(self.connect)

    def lookups(self, connection: Connection, names: Iterable[str] | None = None
                ) -> dict[str, LookupTable]:  # fmt: skip
        """The lookup tables the (named) sources' fan-out macros reference, loaded."""
        chosen = self.sources if names is None else {n: self.sources[n] for n in names}
        return prepare_lookups(self.flow, connection, chosen.values())

    @property
    def server(self) -> ServerStatement | None:
        """What the flow file states about the server (None without a flow file)."""
        return self.flow.server if self.flow is not None else None


def plan_streams(
    connection: Mapping[str, Any] | None = None,
    *,
    flow: str | Path | Flow | None = None,
    streams: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
) -> StreamPlan:
    """Sources of `flow` (or the default streams), narrowed to `streams`.

    Settings: `connection` (keys of a flow's `connection:` block, `credential` among them;
    None values ignored) over the flow's block, over the named credential or `CLIENTSUCCESS_*`.
    """
    if isinstance(flow, str | Path):
        from clientsuccess_connector.config.flow import load_flow  # noqa: PLC0415 (only for a file)

        loaded: Flow | None = load_flow(flow, env)
    else:
        loaded = flow
    given = {k: v for k, v in (connection or {}).items() if v is not None and v != ""}
    block = {**(loaded.connection if loaded else {}), **given}
    label = str(loaded.path) if loaded and loaded.path else "the connection settings"
    settings = resolve_settings(block, None, env, flow_label=label)
    specs = select_sources(loaded, streams)
    sources = {name: resolve(spec) for name, spec in specs.items()}
    require_primary_keys(sources.values())  # before any request: merges need a key
    plan_lookups(loaded, sources.values())  # and undeclared lookups or cycles are refused
    return StreamPlan(settings, sources, loaded)


def replication_key(source: Source) -> str | None:
    """The field a stream reads incrementally by, or None when it is read in full each time."""
    return source.incremental_field if supports_incremental(source) else None
