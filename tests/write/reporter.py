"""A write reporter for tests: hands each warning and dry-run request to a callable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def _ignore(_: str) -> None:
    return None


@dataclass
class Recorder:
    """`WriteReporter` that passes warnings and requests on (e.g. to `list.append`)."""

    warnings: Callable[[str], None] = _ignore
    requests: Callable[[str], None] = _ignore
    rows: int = 0

    def progress(self, rows: int) -> None:
        self.rows += rows

    def warning(self, text: str) -> None:
        self.warnings(text)

    def request(self, text: str) -> None:
        self.requests(text)
