"""Loop detection for a page series in bounded memory, however long the series runs.

A series that hands back a token (page number, offset, cursor, next-page URL) it handed back
before is looping. Remembering every token grows without end on a server that links to one
more page forever (about 65 bytes a page until `series_deadline`). Instead:

- the last `WINDOW` tokens are kept as 16-byte digests: a loop of up to that many pages is
  caught the first time a token comes back;
- a longer loop is caught by Brent's cycle detection: one remembered token, replaced at
  pages 1, 2, 4, 8, ...; a loop of any length is caught within about twice its length.
"""

from __future__ import annotations

import hashlib
from collections import deque

WINDOW = 256


class LoopGuard:
    """`seen_before(token)` is True when the series hands back a token it handed back."""

    def __init__(self, window: int = WINDOW) -> None:
        self._recent: deque[bytes] = deque(maxlen=window)
        self._recent_set: set[bytes] = set()
        self._checkpoint: bytes | None = None
        self._power = 1
        self._steps = 0

    def seen_before(self, token: str) -> bool:
        """Record `token`; True when it was seen before (within the window, or on a cycle)."""
        digest = hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if digest in self._recent_set or digest == self._checkpoint:
            return True
        if len(self._recent) == self._recent.maxlen:
            self._recent_set.discard(self._recent[0])
        self._recent.append(digest)
        self._recent_set.add(digest)
        self._steps += 1
        if self._steps >= self._power:  # Brent: move the checkpoint, double the stride
            self._checkpoint, self._power, self._steps = digest, self._power * 2, 0
        return False
