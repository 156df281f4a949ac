"""Masking secrets: every string that leaves the connection passes through here."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"


class Redactor:
    """Knows every secret of a connection (key, password, session tokens) and masks them."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember a secret (and its URL-encoded forms) so it is masked from now on."""
        if not secret or len(secret) < 4:
            return
        with self._lock:
            self._secrets.update({secret, quote(secret, safe=""), quote_plus(secret)})

    def mask(self, text: str) -> str:
        """`text` with every known secret replaced by `***`."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text
