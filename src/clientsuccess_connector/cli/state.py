"""CLI command `state`: each stream's stored state, what produced it, and a reset."""

from __future__ import annotations

from typing import Any

import click

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.output import cell, emit, format_option, print_table
from clientsuccess_connector.cli.schema import DEFAULT_DESTINATION
from clientsuccess_connector.cli.terminal import echo
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.incremental.protocol import EMPTY
from clientsuccess_connector.sinks import Sink, open_sink
from clientsuccess_connector.syncing.provenance import KEY, ROWS


def _describe(sink: Sink, stream: str) -> dict[str, Any]:
    state = sink.get_state(stream) or {}
    stored = state.get(KEY)
    provenance: dict[str, Any] = stored if isinstance(stored, dict) else {}
    partitions = state.get("partitions")
    values = partitions if isinstance(partitions, dict) else None
    return {
        "stream": stream,
        "cursor": state.get("cursor"),
        "empty": bool(state.get(EMPTY)),  # the last whole read found none: read whole next run
        "partitions": None if values is None else len(values),
        "empty_partitions": None if values is None else sum(v == EMPTY for v in values.values()),
        "precision": state.get("precision"),
        "rows_at_last_run": state.get(ROWS),
        "rows_now": sink.row_count(stream) if stream in sink.streams() else None,
        "instance": provenance.get("base_url") or provenance.get("instance"),
        "source": provenance.get("what"),
        "definition": provenance.get("source"),
    }


@cli.command(name="state")
@click.argument("streams", nargs=-1, metavar="[STREAM]...")
@click.option(
    "--destination", "-d", default=DEFAULT_DESTINATION, show_default=True, metavar="URL",
    help="The destination whose sync state to show (as `sync --destination`).",
)  # fmt: skip
@click.option(
    "--reset", is_flag=True,
    help="Forget the state of each STREAM given: its next sync reads it in full (its rows "
    "stay and are merged again).",
)  # fmt: skip
@format_option("How to print the states.")
def state_command(streams: tuple[str, ...], destination: str, reset: bool, fmt: str) -> None:
    """Show each stream's sync state and what produced it, or reset a stream.

    For every stream of the destination (or each STREAM): its cursor (or how many per-value
    cursors a fan-out keeps; a stream or value whose last read found no records keeps none and
    is read whole again), the instance and source definition the state was stored for, and
    the table's rows when the last run ended and now. A sync trusts a cursor only when all of
    these still match (see `docs syncing`, "State and its provenance").

    \b
    Examples:
      clientsuccess-connector state
      clientsuccess-connector state pulses --json
      clientsuccess-connector state pulses --reset
      clientsuccess-connector state -d postgresql://me@db/crm --format csv
    """
    if reset and not streams:
        raise ConfigError("--reset needs the STREAM(s) to reset, e.g. `state pulses --reset`")
    with open_sink(destination, read_only=not reset) as sink:
        known = set(sink.streams()) | {s for s in streams if sink.get_state(s) is not None}
        unknown = [s for s in streams if s not in known]
        if unknown:
            raise ConfigError(
                f"no stream {', '.join(map(repr, unknown))} in {sink.url} (streams there: "
                f"{', '.join(sorted(known)) or 'none yet'})"
            )
        if reset:
            for stream in streams:
                sink.set_state(stream, {})
            echo(f"reset {', '.join(streams)}: the next sync reads each of them in full")
            return
        rows = [_describe(sink, stream) for stream in (streams or sorted(known))]
    if fmt != "table":
        emit(rows, fmt)
        return
    body = [
        [r["stream"], _cursor_text(r), _count(r["rows_at_last_run"]), _count(r["rows_now"]),
         r["instance"] or "-", cell(r["source"] or "-")]
        for r in rows
    ]  # fmt: skip
    print_table(["stream", "cursor", "rows (last run)", "rows (now)", "instance", "source"], body)


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "-"


def _cursor_text(row: dict[str, Any]) -> str:
    """The cursor column: the cursor, a fan-out's count of value cursors, or why there is none."""
    if row["cursor"]:
        return str(row["cursor"])
    if row["empty"]:
        return "none: found empty, read whole next run"
    if row["partitions"]:
        empty = row["empty_partitions"]
        kept = f"{row['partitions'] - empty} value cursor(s)"
        return kept + (f", {empty} value(s) found empty" if empty else "")
    return "-"
