"""`clientsuccess_source`: one dlt resource per stream, merged on its primary key, read
incrementally from a cursor kept in dlt's resource state.

Each resource reads through the sync engine (`integration/batches.py`), so a dlt run keeps
every guarantee of `sync`: keyset windows checked for order and counted against
`totalElements`, a catch-up pass for what changed during the run, and a cursor that only moves
past what was handed to dlt. The cursor is stored in the resource's state after the batch it
covers, and dlt commits state with the load: a failed load leaves the cursor where it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

import dlt
from dlt.common.schema.typing import TTableSchemaColumns
from dlt.common.typing import TSecretStrValue
from dlt.extract.resource import DltResource

from clientsuccess_connector.dlt.columns import column_hints
from clientsuccess_connector.integration.batches import StreamRead
from clientsuccess_connector.integration.columns import Columns, widen_columns
from clientsuccess_connector.integration.plan import StreamPlan, plan_streams
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.syncing import SyncOptions

STATE_KEY = "clientsuccess_cursor"
"""Key of the engine's stream state (cursor, cursor field, learned precision) in dlt's state."""


@dlt.source(name="clientsuccess", section="clientsuccess", max_table_nesting=0)
def clientsuccess_source(
    flow: str | None = None,
    streams: Sequence[str] | None = None,
    credential: str | None = None,
    base_url: str | None = None,
    api_key: TSecretStrValue | None = None,
    api_key_header: str | None = None,
    username: str | None = None,
    password: TSecretStrValue | None = None,
    max_concurrency: int | None = None,
    requests_per_second: float | None = None,
) -> list[DltResource]:
    """The default streams (or the sources of `flow`, a flow file), narrowed to `streams`.

    Connection settings, each from the first that gives it: these arguments (or dlt's
    `[sources.clientsuccess]` config and secrets, which dlt passes in as them), the flow file's
    `connection:` block, the named `credential`, the `CLIENTSUCCESS_*` variables. Nested
    objects and arrays stay JSON columns, as in our own destinations.
    """
    connection = {
        "credential": credential, "base_url": base_url, "api_key": api_key,
        "api_key_header": api_key_header, "username": username, "password": password,
        "max_concurrency": max_concurrency, "requests_per_second": requests_per_second,
    }  # fmt: skip
    plan = plan_streams(connection, flow=flow, streams=streams or ())
    return [_resource(plan, source) for source in plan.sources.values()]


def _resource(plan: StreamPlan, source: Source) -> DltResource:
    """One stream as a dlt resource: primary key, merge, cursor in the resource state."""

    def read() -> Iterator[Any]:
        state = dlt.current.resource_state(source.name)
        key = list(source.primary_key)
        columns: Columns = {}
        with plan.shared_connection() as connection:
            options = SyncOptions(lookups=plan.lookups(connection, [source.name]))
            for batch in StreamRead(connection, source, state.get(STATE_KEY), options):
                if batch.records:
                    wider = widen_columns(columns, batch.records)
                    if wider != columns:
                        columns = wider
                        typed = cast(TTableSchemaColumns, column_hints(columns, key))
                        hints = dlt.mark.make_hints(columns=typed)
                        yield dlt.mark.with_hints(batch.records, hints)
                    else:
                        yield batch.records
                if batch.state is not None:
                    state[STATE_KEY] = batch.state

    return dlt.resource(
        read,
        name=source.name,
        primary_key=list(source.primary_key),
        write_disposition="merge",
        parallelized=True,  # streams side by side, every request under the shared limiter
    )
