"""Singer messages (SCHEMA, RECORD, STATE, ACTIVATE_VERSION), one JSON object per line,
flushed as they go so a target can commit what it has whenever a STATE arrives."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from clientsuccess_connector.read.timestamps import format_timestamp


def _line(message: dict[str, Any]) -> str:
    """One message as a JSON line; integers beyond 64 bits and lone surrogates, which orjson
    refuses, go through the standard library (exact integers, surrogates escaped)."""
    try:
        return orjson.dumps(message).decode() + "\n"
    except TypeError:
        return json.dumps(message, ensure_ascii=True, separators=(",", ":")) + "\n"


class MessageWriter:
    """Writes Singer messages to `out` (stdout for a tap)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def schema(self, stream: str, schema: dict[str, Any], key: Sequence[str],
               replication_key: str | None) -> None:  # fmt: skip
        """Announce (or re-announce, widened) a stream's schema before its records."""
        message: dict[str, Any] = {
            "type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": list(key),
        }  # fmt: skip
        if replication_key:
            message["bookmark_properties"] = [replication_key]
        self.out.write(_line(message))
        self.out.flush()

    def records(self, stream: str, records: Iterable[dict[str, Any]],
                version: int | None = None) -> None:  # fmt: skip
        """One RECORD message per record, stamped with when it was extracted (and with the
        table version, when the stream has one)."""
        extracted = format_timestamp(datetime.now(UTC))
        write = self.out.write
        extra = {"version": version} if version is not None else {}
        for record in records:
            write(_line({"type": "RECORD", "stream": stream, "record": record,
                         "time_extracted": extracted, **extra}))  # fmt: skip
        self.out.flush()

    def activate_version(self, stream: str, version: int) -> None:
        """ACTIVATE_VERSION: rows of `stream` with an older version are no longer there."""
        self.out.write(_line({"type": "ACTIVATE_VERSION", "stream": stream, "version": version}))
        self.out.flush()

    def state(self, value: dict[str, Any]) -> None:
        """A STATE message: everything before it may be committed, then `value` kept."""
        self.out.write(_line({"type": "STATE", "value": value}))
        self.out.flush()
