"""`clientsuccess_source`: one dlt resource per stream, merged on its primary key, read
incrementally from a cursor kept in dlt's resource state.

Each resource reads through the sync engine (`integration/batches.py`), so a dlt run keeps
every guarantee of `sync`: keyset windows checked for order and counted against
`totalElements`, a catch-up pass for what changed during the run, and a cursor that only moves
past what was handed to dlt. The cursor is stored in the resource's state after the batch it
covers, and dlt commits state with the load: a failed load leaves the cursor where it was.
Every column is typed from the first batch (null-only fields from the template's declared
fields, `integration/fields.py`), and a proven full read removes deleted records (`deletes.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, cast

import dlt
from dlt.common.schema.typing import TTableSchemaColumns
from dlt.common.typing import TSecretStrValue
from dlt.extract.resource import DltResource

from clientsuccess_connector.dlt.columns import column_hints
from clientsuccess_connector.dlt.deletes import DELETED, KEYS, KeyLedger
from clientsuccess_connector.dlt.incremental import CursorArgs
from clientsuccess_connector.integration.batches import StreamRead
from clientsuccess_connector.integration.columns import Columns, widen_columns
from clientsuccess_connector.integration.fields import declared_columns, typed_columns
from clientsuccess_connector.integration.plan import StreamPlan, plan_streams
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.syncing.deletes import delete_plan
from clientsuccess_connector.syncing.run import SyncOptions

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
    initial_value: str | datetime | None = None,
    end_value: str | datetime | None = None,
    lag: float | None = None,
    full_refresh: bool = False,
) -> list[DltResource]:
    """The default streams (or the sources of `flow`, a flow file), narrowed to `streams`.

    Connection settings, each from the first that gives it: these arguments (or dlt's
    `[sources.clientsuccess]` config and secrets, which dlt passes in as them), the flow file's
    `connection:` block, the named `credential`, the `CLIENTSUCCESS_*` variables. Nested
    objects and arrays stay JSON columns, as in our own destinations.

    The cursor, as `dlt.sources.incremental` has it: `initial_value` (where a stream without a
    stored cursor starts), `end_value` (with `initial_value`: a backfill of that span that
    leaves the stored cursor alone), `lag` (seconds re-read behind the cursor; default 300).
    `full_refresh=True` reads every stream whole and removes the records deleted since.
    """
    connection = {
        "credential": credential, "base_url": base_url, "api_key": api_key,
        "api_key_header": api_key_header, "username": username, "password": password,
        "max_concurrency": max_concurrency, "requests_per_second": requests_per_second,
    }  # fmt: skip
    cursor = CursorArgs.of(initial_value, end_value, lag)
    plan = plan_streams(connection, flow=flow, streams=streams or ())
    return [_resource(plan, source, cursor, full_refresh) for source in plan.sources.values()]


def _resource(plan: StreamPlan, source: Source, cursor: CursorArgs, full: bool) -> DltResource:
    """One stream as a dlt resource: primary key, merge, cursor in the resource state."""
    key = list(source.primary_key)
    declared = declared_columns(source)
    deletes = delete_plan(source)[0] is not None

    def read() -> Iterator[Any]:
        state = dlt.current.resource_state(source.name)
        stored = None if full else state.get(STATE_KEY)
        ledger = KeyLedger(state.get(KEYS), key) if deletes else None
        columns: Columns = {}
        with plan.shared_connection() as connection:
            options = SyncOptions(
                lookups=plan.lookups(connection, [source.name]), overlap=cursor.overlap,
                server=plan.server,
            )  # fmt: skip
            read = StreamRead(connection, source, cursor.start_state(source, stored), options)
            for batch in read:
                records = list(cursor.within(batch.records, source.incremental_field))
                if records:
                    wider = widen_columns(columns, records)
                    if ledger is not None:
                        ledger.add(records)
                    if wider != columns:
                        columns = wider
                        yield dlt.mark.with_hints(records, _hints(columns, key, declared))
                    else:
                        yield records
                if batch.state is not None and not cursor.backfill:
                    state[STATE_KEY] = batch.state
            if ledger is not None and not cursor.backfill:
                if read.proven is not None:
                    yield ledger.deleted_rows()
                    state[KEYS] = list(ledger.seen.values())
                else:
                    state[KEYS] = ledger.stored()

    marker = {"name": DELETED, "data_type": "bool", "nullable": True, "hard_delete": True}
    columns = cast(TTableSchemaColumns, {DELETED: marker})
    return dlt.resource(
        read,
        name=source.name,
        primary_key=key,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        columns=columns if deletes else {},
        parallelized=True,  # streams side by side, every request under the shared limiter
    )


def _hints(columns: Columns, key: list[str], declared: dict[str, Any]) -> Any:
    """Column hints for every column seen so far, null-only ones typed too (no dlt warning)."""
    typed = cast(TTableSchemaColumns, column_hints(typed_columns(columns, declared), key))
    return dlt.mark.make_hints(columns=typed)
