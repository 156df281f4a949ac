"""How a write tells its caller what is happening: progress, warnings, dry-run requests.

The library never prints: `LogReporter` (the default) logs; the CLI passes its own reporter that
draws a progress line and prints dry-run requests on stdout.
"""

from __future__ import annotations

import logging
from typing import Protocol

logger = logging.getLogger(__name__)


class WriteReporter(Protocol):
    """What a write reports while it runs."""

    def progress(self, rows: int) -> None:
        """`rows` more rows have finished (told about once a second, and at the end)."""

    def warning(self, text: str) -> None:
        """Something the user should know, such as the fields a PUT will empty."""

    def request(self, text: str) -> None:
        """Under a dry run: one request that would be sent (secrets masked), or a note on one."""


class LogReporter:
    """The default reporter: warnings and dry-run requests go to the package's logger."""

    def progress(self, rows: int) -> None:
        """Progress is not logged."""

    def warning(self, text: str) -> None:
        """Log `text` as a warning."""
        logger.warning("%s", text)

    def request(self, text: str) -> None:
        """Log a dry-run request at INFO level."""
        logger.info("%s", text)
