"""Which streams a full refresh reconciles deletions for, and how (docs/syncing.md#deletions).

ClientSuccess has no feed of deleted records: a record deleted there simply stops being
returned. Only a full read can notice, and only a read that covered the whole collection and
proved it read all of it: a row missing from a filtered, capped or unproven read may well
exist. So a stream reconciles when it is a search the incremental reader can count
(`read/incremental/stream.py`), with no filter, cap or fan-out, unless the flow says with `deletes:`
that the filter is exactly what its table holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.endpoint import DELETES_CHOICES, Source
from clientsuccess_connector.read.incremental import is_partitioned, supports_incremental
from clientsuccess_connector.sinks.base import DeleteMode


def never_reconciled(source: Source) -> str | None:
    """Why a full read of `source` can never prove a record deleted (None: it can)."""
    if not supports_incremental(source):
        return "only a search with an incremental field can be counted, and so proven complete"
    if is_partitioned(source):
        return "it fans out over a lookup, so no single read covers its table"
    if source.max_records is not None or source.pagination.max_pages is not None:
        return "max_records or max_pages stop its read early"
    return None


def filters(source: Source) -> list[str]:
    """The parameters that narrow `source` to part of its collection (sorting does not)."""
    neutral = {envelope().sort_by_param, envelope().sort_direction_param}
    body = source.body if isinstance(source.body, Mapping) else {}
    return sorted({*source.query, *source.path_values, *body} - neutral)


def delete_plan(source: Source, choice: str | None = None) -> tuple[DeleteMode | None, str]:
    """How a full refresh of `source` records deletions, or None and why it does not.

    `choice` (`sync --deletes`) overrides the mode of every stream that reconciles; only a
    source's own `deletes:` can make a filtered source reconcile. ConfigError when a source
    asks for it where it cannot work.
    """
    if choice is not None and choice not in DELETES_CHOICES:
        raise ConfigError(f"--deletes {choice!r}: use one of {', '.join(DELETES_CHOICES)}")
    own = source.deletes
    if own is not None and own not in DELETES_CHOICES:
        raise ConfigError(
            f"source {source.name!r}: deletes {own!r} is not one of {', '.join(DELETES_CHOICES)}"
        )
    if own == "off" or choice == "off":
        return None, "deletes are off"
    why = never_reconciled(source)
    if why is not None:
        if own is not None:
            raise ConfigError(
                f"source {source.name!r}: `deletes: {own}` cannot work because {why}; "
                "remove the key or set `deletes: off`"
            )
        return None, f"deletes not reconciled: {why}"
    narrowed = filters(source)
    if own is None and narrowed:
        return None, (
            f"deletes not reconciled: the read is filtered by {', '.join(narrowed)}; set "
            "`deletes: soft` on the source if its table holds exactly what the filter selects"
        )
    return cast(DeleteMode, choice or own or "soft"), ""
