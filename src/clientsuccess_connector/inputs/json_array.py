"""JSON array input (`[{...}, {...}]`), streamed by ijson: one element in memory at a time, in
time linear in the file's size however large an element is (a transcript of 32 MB took 16 s to
decode with the standard library, restarted at every chunk; bench/json_array_input.py).

Chunks start at 64 KB and double while an element is still incomplete (up to 64 MB): ijson's C
parser also copies an unfinished token at every chunk, so fixed chunks would stay quadratic.

ijson reports no line numbers, so when it finds something wrong the file is read again by the
line-counting scanner (`json_array_scan.py`), which names the line: the error path only.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson
from ijson.utils import sendable_list

from clientsuccess_connector.inputs.json_array_scan import scan_json_array

_WS = b" \t\r\n"
_FIRST, _CAP = 1 << 16, 1 << 26


def _skip_to_value(handle: IO[bytes]) -> bytes:
    """Skip a UTF-8 byte order mark and blanks; the first byte of the value (b"" if none),
    with the handle positioned on it."""
    if handle.read(3) != codecs.BOM_UTF8:
        handle.seek(0)
    while True:
        start = handle.tell()
        byte = handle.read(1)
        if byte not in _WS or byte == b"":
            handle.seek(start)
            return byte


def read_json_array(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row_number, record)` per element of a top-level JSON array of objects."""
    row = 0
    with path.open("rb") as handle:
        if _skip_to_value(handle) == b"[":
            try:
                for value in _elements(handle):
                    if not isinstance(value, dict):
                        break
                    row += 1
                    yield row, value
                else:
                    return
            except ijson.JSONError:
                pass
    yield from _name_the_error(path, row)


def _elements(handle: IO[bytes]) -> Iterator[Any]:
    """The top-level array's elements, pushed to ijson in chunks that grow while one element
    spans them and start small again once elements complete."""
    found = sendable_list()
    parser = ijson.items_coro(found, "item", use_float=True)
    size = _FIRST
    while chunk := handle.read(size):
        parser.send(chunk)
        size = _FIRST if found else min(size * 2, _CAP)
        yield from found
        del found[:]
    parser.close()
    yield from found


def _name_the_error(path: Path, good: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows after the `good` ones already handed out, read by the scanner, which raises the
    error with its line (or reads on, for what only the standard library accepts: NaN)."""
    for row, record in scan_json_array(path):
        if row > good:
            yield row, record
