"""Pick the reader for an input spec: a file path by extension, `-`, or a database URL."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any

from clientsuccess_connector.connection.locations import INPUT_FORMS, is_database_url
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.inputs.csvfile import read_csv
from clientsuccess_connector.inputs.db_duckdb import read_duckdb
from clientsuccess_connector.inputs.db_postgres import read_postgres
from clientsuccess_connector.inputs.json_array import read_json_array
from clientsuccess_connector.inputs.jsonl import read_jsonl, read_jsonl_stream
from clientsuccess_connector.inputs.parquet import read_parquet

Row = tuple[int, dict[str, Any]]

_READERS: dict[str, Callable[[Path], Iterator[Row]]] = {
    ".csv": read_csv,
    ".tsv": partial(read_csv, delimiter="\t"),
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".json": read_json_array,
    ".parquet": read_parquet,
    ".pq": read_parquet,
}
FILE_SUFFIXES = tuple(_READERS)  # what `read_file` reads, by the file's extension
_FORMATS = ".csv, .jsonl (or .ndjson), .json (an array), .parquet"


def read_file(path: Path) -> Iterator[Row]:
    """Stream the rows of a file whose extension is one of `FILE_SUFFIXES`."""
    return _READERS[path.suffix.lower()](path)


def read_input(spec: str, *, stdin: IO[str] | None = None) -> Iterator[Row]:
    """Stream the rows of `spec`; a ConfigError names the file, the line and the fix."""
    if spec == "-":
        return read_jsonl_stream(stdin if stdin is not None else sys.stdin, "stdin")
    if is_database_url(spec):
        is_duckdb = spec.lower().startswith("duckdb:")
        return read_duckdb(spec) if is_duckdb else read_postgres(spec)
    path = Path(spec)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ConfigError(f"input {spec!r} does not exist; give a file ({_FORMATS}), '-' or a URL")
    if suffix in _READERS:
        return read_file(path)
    raise ConfigError(
        f"input {spec!r} has an unknown extension {suffix!r}; use one of {_FORMATS}, "
        f"'-' (JSON lines on stdin), {INPUT_FORMS}"
    )
