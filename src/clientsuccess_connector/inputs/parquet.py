"""Parquet input, read in record batches (pyarrow `iter_batches`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clientsuccess_connector.errors import ConfigError

_BATCH_ROWS = 2048


def read_parquet(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row_number, record)` per row; nested columns arrive as lists and dicts."""
    import pyarrow as pa  # noqa: PLC0415  (heavy; loaded only when used)
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        parquet_file = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ConfigError(f"{path}: not a readable Parquet file ({exc}); check the file") from None
    row_number = 0
    for batch in parquet_file.iter_batches(batch_size=_BATCH_ROWS):
        for record in batch.to_pylist():
            row_number += 1
            yield row_number, record
