"""JSON lines input (a file or stdin): one JSON object per line; blank lines are skipped."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from clientsuccess_connector.errors import ConfigError


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row_number, record)` per non-blank line of a JSON lines file."""
    with path.open("rb") as handle:
        yield from _parse_lines(handle, str(path))


def read_jsonl_stream(stream: IO[str], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row_number, record)` from a text stream such as stdin."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        yield from _parse_lines(buffer, name)
    else:
        yield from _parse_lines((line.encode("utf-8") for line in stream), name)


def _parse_lines(lines: Iterable[bytes], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    row_number = 0
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8-sig" if line_number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{name} line {line_number}: not UTF-8 text ({exc.reason}); UTF-8 expected: "
                "re-save the file as UTF-8"
            ) from None
        try:
            record = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise ConfigError(
                f"{name} line {line_number}: invalid JSON ({exc.msg}); each line must be one "
                "JSON object"
            ) from None
        if not isinstance(record, dict):
            raise ConfigError(
                f"{name} line {line_number}: a JSON {type(record).__name__} where an object "
                "was expected; each line must be one JSON object"
            )
        row_number += 1
        yield row_number, record
