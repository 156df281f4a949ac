"""Pick the reader for an input spec: a file path by extension, `-`, or a database URL."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.inputs.csvfile import read_csv
from clientsuccess_connector.inputs.db_duckdb import read_duckdb
from clientsuccess_connector.inputs.db_postgres import masked_url, read_postgres
from clientsuccess_connector.inputs.json_array import read_json_array
from clientsuccess_connector.inputs.jsonl import read_jsonl, read_jsonl_stream
from clientsuccess_connector.inputs.parquet import read_parquet

Row = tuple[int, dict[str, Any]]

_FORMATS = ".csv, .jsonl (or .ndjson), .json (an array), .parquet"


def describe_input(spec: str) -> str:
    """A short, password-free name of an input for messages."""
    if spec.startswith(("postgresql://", "postgres://")):
        return masked_url(spec)
    return "stdin" if spec == "-" else spec


def read_input(spec: str, *, stdin: IO[str] | None = None) -> Iterator[Row]:
    """Stream the rows of `spec`; a ConfigError names the file, the line and the fix."""
    if spec == "-":
        return read_jsonl_stream(stdin if stdin is not None else sys.stdin, "stdin")
    if spec.startswith("duckdb://"):
        return read_duckdb(spec)
    if spec.startswith(("postgresql://", "postgres://")):
        return read_postgres(spec)
    path = Path(spec)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ConfigError(f"input {spec!r} does not exist; give a file ({_FORMATS}), '-' or a URL")
    if suffix in {".csv", ".tsv"}:
        return read_csv(path, delimiter="\t" if suffix == ".tsv" else ",")
    if suffix in {".jsonl", ".ndjson"}:
        return read_jsonl(path)
    if suffix == ".json":
        return read_json_array(path)
    if suffix in {".parquet", ".pq"}:
        return read_parquet(path)
    raise ConfigError(
        f"input {spec!r} has an unknown extension {suffix!r}; use one of {_FORMATS}, "
        "'-' (JSON lines on stdin), duckdb:///file.duckdb?table=T or postgresql://...?query=SQL"
    )
