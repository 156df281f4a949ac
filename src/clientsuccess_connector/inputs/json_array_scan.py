"""A JSON array read by the standard library with line numbers: how `json_array.py` names the
line of an error, which ijson's fast parser cannot.

The file is read in chunks; each element is decoded with `json.JSONDecoder.raw_decode` as soon as
it is complete. Decoding restarts at the element's start after every chunk, so an element of n
bytes costs O(n^2 / chunk): fine for finding an error, too slow to read big elements with.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.inputs.utf8 import not_utf8

_CHUNK = 1 << 16
_WS = " \t\r\n"


class _Scanner:
    """A growing text buffer over a file with a line counter for messages."""

    def __init__(self, handle: IO[str], name: str) -> None:
        self.handle = handle
        self.name = name
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False

    def fill(self) -> bool:
        """Read another chunk; False at end of file."""
        if self.eof:
            return False
        try:
            chunk = self.handle.read(_CHUNK)
        except UnicodeDecodeError:
            raise not_utf8(Path(self.name)) from None
        if not chunk:
            self.eof = True
            return False
        self.line += self.buf.count("\n", 0, self.pos)
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next non-blank character ("" at end of file), consuming the blanks before it."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def line_at(self, pos: int) -> int:
        return self.line + self.buf.count("\n", 0, pos)

    def error(self, what: str) -> ConfigError:
        return ConfigError(
            f"{self.name} line {self.line_at(self.pos)}: {what}; the file must hold one JSON "
            "array of objects (or use .jsonl for JSON lines)"
        )


def scan_json_array(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row_number, record)` per element of a top-level JSON array of objects; a
    ConfigError naming the line of the first thing that is wrong."""
    decoder = json.JSONDecoder()
    with path.open(encoding="utf-8-sig") as handle:
        scan = _Scanner(handle, str(path))
        if scan.peek() != "[":
            raise scan.error("expected '[' at the start")
        scan.pos += 1
        row_number = 0
        expect_value = True
        while True:
            char = scan.peek()
            if char == "]" and (row_number == 0 or not expect_value):
                return
            if char == "":
                raise scan.error("the array is not closed with ']'")
            if not expect_value:
                if char != ",":
                    raise scan.error(f"expected ',' or ']' but found {char!r}")
                scan.pos += 1
                expect_value = True
                continue
            value = _decode_one(scan, decoder)
            if not isinstance(value, dict):
                raise scan.error(
                    f"element {row_number + 1} is a {type(value).__name__}, not an object"
                )
            row_number += 1
            yield row_number, value
            expect_value = False


def _decode_one(scan: _Scanner, decoder: json.JSONDecoder) -> Any:
    """Decode the element at the cursor, reading more of the file until it is complete."""
    while True:
        try:
            value, end = decoder.raw_decode(scan.buf, scan.pos)
        except json.JSONDecodeError as exc:
            if scan.fill():
                continue
            raise ConfigError(
                f"{scan.name} line {scan.line_at(exc.pos)}: invalid JSON ({exc.msg}); "
                "fix that element"
            ) from None
        # A value that ends exactly at the buffer's end may be cut (a number such as 12|3).
        if end >= len(scan.buf) and scan.fill():
            continue
        scan.pos = end
        return value
