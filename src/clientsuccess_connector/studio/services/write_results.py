"""A write's per-row results, read back from its results ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson


def read_results(path: Path, start: int = 0) -> Iterator[dict[str, Any]]:
    """The results ledger's lines from byte `start` on (this run's), a row's last line each."""
    if not path.exists():
        return
    latest: dict[int, dict[str, Any]] = {}
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read()
    for line in data.splitlines():
        if line.strip():
            entry = orjson.loads(line)
            if "row" in entry:  # the first line names the ledger, not a row
                latest[int(entry["row"])] = entry
    for row in sorted(latest):
        yield latest[row]
