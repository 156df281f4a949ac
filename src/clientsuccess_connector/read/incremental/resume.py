"""Where a first full read stands, so that a run killed part way resumes instead of restarting.

A whole read by page number commits its records in batches; each batch's state carries a
`Checkpoint`: the page the next batch begins at, how many records came before the last page
committed, the keys at the end of that page (the anchor) and when the read began by the
server's clock. A run that finds one reads again from the last committed page: its anchor must
be there, or records deleted meanwhile have moved the rest back past it and the read starts
over. Every record read after the anchor is new to the destination; every record changed since
the read began is read again by the catch-up that follows from `began`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp

KEY = "resume"
ANCHOR_KEYS = 20
"""How many keys from the end of the last committed page a checkpoint keeps: a resumed read
finds its place while fewer than this many of them were deleted."""

Record = dict[str, Any]


def key_text(record: Mapping[str, Any], primary_key: Sequence[str]) -> str:
    """A record's primary key as stored in a checkpoint (JSON text, comparable as a string)."""
    return json.dumps([record.get(name) for name in primary_key], default=str)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A first full read's position: pages before `page` are committed."""

    page: int  # the page number (as asked of the server) the next batch begins with
    size: int  # the page size asked
    before: int  # records on the pages before the last committed one
    anchor: tuple[str, ...]  # keys at the end of the last committed page (`key_text`)
    began: datetime  # when the read began, by the server's clock

    @classmethod
    def after(
        cls,
        page: int,
        size: int,
        rows: int,
        last_page: Sequence[Record],
        primary_key: Sequence[str],
        began: datetime,
    ) -> Checkpoint:
        """The checkpoint once the pages before `page` are committed, `rows` records in all,
        the last of those pages being `last_page`."""
        anchor = tuple(key_text(record, primary_key) for record in last_page[-ANCHOR_KEYS:])
        return cls(page, size, rows - len(last_page), anchor, began)

    @classmethod
    def of(cls, state: Mapping[str, Any] | None, size: int) -> Checkpoint | None:
        """The checkpoint a stored state holds for a read asking pages of `size`, or None
        (none stored, another page size, or not one this version can read)."""
        stored = (state or {}).get(KEY)
        if not isinstance(stored, Mapping):
            return None
        page, rows, anchor = stored.get("page"), stored.get("before"), stored.get("anchor")
        began = parse_timestamp(stored.get("began"))
        if (
            not isinstance(page, int)
            or page < 1
            or stored.get("size") != size
            or not isinstance(rows, int)
            or not isinstance(anchor, list)
            or not anchor
            or began is None
        ):
            return None
        return cls(page, size, rows, tuple(str(key) for key in anchor), began)

    def as_state(self) -> dict[str, Any]:
        """The checkpoint as stored in a stream's state (under `KEY`)."""
        return {
            "page": self.page,
            "size": self.size,
            "before": self.before,
            "anchor": list(self.anchor),
            "began": format_timestamp(self.began),
        }

    def found_in(self, page: Sequence[Record], primary_key: Sequence[str]) -> bool:
        """True when the page read again holds a key of the anchor: the records after it are
        the ones the interrupted read had not reached."""
        anchor = set(self.anchor)
        return any(key_text(record, primary_key) in anchor for record in page)
