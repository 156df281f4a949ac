"""Masking secrets: every string that leaves the connection passes through here, and the
passwords of the URLs in any text (`mask_url`, `mask_secrets`)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, MutableMapping
from typing import Any
from urllib.parse import quote, quote_plus

import orjson

MASK = "***"

# `scheme://user:password@`: the password runs to the last `@` before a space or the query.
# Found by `_mask_userinfo` from each `://`, in linear time (a regular expression starting
# with the scheme rescans a long run of letters from every position: minutes for 1 MB).
_SCHEME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+.-")
_USER_END = re.compile(r"[\s:/?#@]")
_PASSWORD_END = re.compile(r"[\s?]")
# libpq parameters that hold a secret, when written in the query (`?password=...`).
_SECRET_PARAM = re.compile(
    r"(?P<head>[?&](?:ssl)?password=|[?&]oauth_client_secret=|[?&]scram_(?:client|server)_key=)"
    r"(?P<value>[^&\s]*)",
    re.IGNORECASE,
)
_MIN_SECRET = 4  # shorter values would mask ordinary text; no real credential is this short
_AUTH_HEADER = re.compile(
    r"authorization|cookie|token|secret|password|(^|[-_])(api)?[-_]?key$", re.I
)


_registered_lock = threading.Lock()
_registered: list[str] = []  # forms of secrets known to the whole process, longest first
_generation = 0  # changes whenever `_registered` does, so each Redactor knows to merge again


def register_secret(secret: str | None) -> None:
    """Mask `secret` in every Redactor from now on (a flow's `${MY_TOKEN}` value, say)."""
    if not secret:
        return
    global _registered, _generation
    with _registered_lock:
        _registered = sorted(set(_registered) | secret_forms(secret), key=len, reverse=True)
        _generation += 1


def looks_secret(header: str, marked: Iterable[str] = ()) -> bool:
    """True for a header whose value is a credential: Authorization, `*-Key`, `*token*`, marked."""
    return bool(_AUTH_HEADER.search(header)) or header.lower() in {m.lower() for m in marked}


def secret_forms(secret: str) -> set[str]:
    """Every way a secret may be written: raw, trimmed, URL-encoded, repr- and JSON-escaped."""
    forms: set[str] = set()
    for value in {secret, secret.strip()}:
        if len(value) < _MIN_SECRET:
            continue
        forms.update({value, quote(value, safe=""), quote_plus(value), repr(value)[1:-1]})
        forms.add(orjson.dumps(value).decode()[1:-1])
        forms.add(value.encode("unicode_escape").decode("ascii"))
    return {form for form in forms if len(form) >= _MIN_SECRET}


class Redactor:
    """Knows every secret of a connection (key, password, session tokens) and masks them.

    Secrets given to `register_secret` are masked by every Redactor too.
    Mask first, cut second: `excerpt` masks the whole text before shortening it, so a secret
    cut in half by a length limit is never shown in part.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._forms: list[str] = []
        self._merged: tuple[int, list[str]] | None = None  # (generation, own + registered forms)
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember a secret (in every form `secret_forms` lists) so it is masked from now on."""
        if not secret:
            return
        with self._lock:
            known = set(self._forms) | secret_forms(secret)
            self._forms = sorted(known, key=len, reverse=True)
            self._merged = None

    def _all_forms(self) -> list[str]:
        """This redactor's forms and the process-wide ones, longest first (sorted once per
        change, not once per mask: every log line and error passes through `mask`)."""
        with self._lock:
            generation, registered = _generation, _registered
            if self._merged is None or self._merged[0] != generation:
                forms = sorted({*self._forms, *registered}, key=len, reverse=True)
                self._merged = (generation, forms)
            return self._merged[1]

    def mask(self, text: str) -> str:
        """`text` with every known secret, and the password of any URL, replaced by `***`."""
        for form in self._all_forms():
            if form in text:
                text = text.replace(form, MASK)
        return mask_url(text)

    def excerpt(self, text: str, limit: int) -> str:
        """The first `limit` characters of the masked text, on one line."""
        return " ".join(self.mask(text).split())[:limit]


class MaskingLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger whose records are masked by a Redactor after formatting, before any handler."""

    def __init__(self, logger: logging.Logger, redactor: Redactor) -> None:
        super().__init__(logger, {})
        self.redactor = redactor

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        return msg, kwargs

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        """Format `msg % args`, mask it, and log the masked text."""
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        kwargs.setdefault("stacklevel", 2)
        self.logger.log(level, "%s", self.redactor.mask(text), **kwargs)


def mask_url(text: str) -> str:
    """`text` with the password of every URL in it (userinfo or `?password=`) as `***`."""
    text = _mask_userinfo(text)
    return _SECRET_PARAM.sub(lambda m: m["head"] + MASK, text)


def _mask_userinfo(text: str) -> str:
    """`scheme://user:password@` with the password as `***`, in time linear in `text`.

    Each `://` is looked around once: back over the scheme (which stops at the `//` of the one
    before), forward over the user name (which stops at the `:` of the next one), and to the end
    of the password's run, which is found once per run and shared by every `://` inside it.
    """
    pieces: list[str] = []
    copied = 0  # text[:copied] is in `pieces`; no match may start before it
    run_from, run_end, last_at = -1, -1, -1  # a password run [run_from, run_end), its last `@`
    found = text.find("://")
    while found >= 0:
        colon = _user_end(text, found + 3)
        if _has_scheme(text, found, copied) and colon < len(text) and text[colon] == ":":
            start = colon + 1
            if not run_from <= start <= run_end:
                end = _PASSWORD_END.search(text, start)
                run_from, run_end = start, end.start() if end else len(text)
                last_at = text.rfind("@", start, run_end)
            if last_at >= start:
                pieces += [text[copied:colon], ":", MASK, "@"]
                copied = last_at + 1
                found = text.find("://", copied)
                continue
        found = text.find("://", found + 1)
    return "".join([*pieces, text[copied:]]) if pieces else text


def _has_scheme(text: str, at: int, floor: int) -> bool:
    """True when letters, digits, `+`, `.` or `-` (a letter among them) end at `at`."""
    start = at
    while start > floor and text[start - 1] in _SCHEME_CHARS:
        start -= 1
    return any(c.isascii() and c.isalpha() for c in text[start:at])


def _user_end(text: str, start: int) -> int:
    end = _USER_END.search(text, start)
    return end.start() if end else len(text)


def mask_secrets(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with URL passwords and every form of each of `secrets` masked: the one masker."""
    return mask_url(Redactor(s for s in secrets if s).mask(text))
