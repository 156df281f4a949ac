"""CSV input: the header row names the columns; an empty cell means "not given" (None)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.inputs.utf8 import not_utf8

FIELD_LIMIT = 1 << 28
"""Largest field accepted (256 MB). Python's default, 128 KB, refused a long transcript and
blamed its quoting; a field this large is more likely an unclosed quote."""


def read_csv(path: Path, *, delimiter: str = ",") -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row_number, record)` per data row; ragged rows and bad encoding are ConfigErrors."""
    if csv.field_size_limit() < FIELD_LIMIT:  # the limit is the csv module's, process-wide
        csv.field_size_limit(FIELD_LIMIT)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None:
                return
            header = [name.strip() for name in header]
            _check_header(path, header)
            row_number = 0
            for fields in reader:
                if not fields:
                    continue  # a blank line is not a record
                row_number += 1
                if len(fields) != len(header):
                    raise ConfigError(
                        f"{path} line {reader.line_num}: {len(fields)} fields but the header has "
                        f"{len(header)}; quote values that contain '{delimiter}' or fix the row"
                    )
                yield (
                    row_number,
                    {
                        name: (value if value != "" else None)
                        for name, value in zip(header, fields, strict=True)
                    },
                )
        except UnicodeDecodeError:
            raise not_utf8(path) from None
        except csv.Error as exc:
            raise ConfigError(
                f"{path} line {reader.line_num}: {exc}; fix the quoting of that line"
            ) from None


def _check_header(path: Path, header: list[str]) -> None:
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if not name:
            raise ConfigError(f"{path} line 1: column {index} has no name; name every column")
        if name in seen:
            raise ConfigError(f"{path} line 1: column {name!r} appears twice; rename one")
        seen.add(name)
