"""What a keyset read did that its own checks cannot vouch for.

A keyset step is checked by the records it gives back (read/incremental/keyset.py); a page asked by
page number within one filter is not: records deleted or changed meanwhile shift the pages,
and only a count (`totalElements`) shows that nothing slipped between them. The trail is shared
by a stream's windows, so the read can tell at the end whether it needs that count.
"""

from __future__ import annotations

import threading


class KeysetTrail:
    """Counts the pages a stream's keyset read asked by page number instead of by a step."""

    def __init__(self) -> None:
        self.numbered_pages = 0
        self._lock = threading.Lock()

    def numbered(self) -> None:
        """One more page asked by number within the same filter."""
        with self._lock:
            self.numbered_pages += 1
