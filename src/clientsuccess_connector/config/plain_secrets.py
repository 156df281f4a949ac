"""Secrets written in plain text in a flow file: found, and warned about once per file.

A flow file is shared, committed and pasted into tickets, so a key, password or token written
in it literally leaks with it. `${CLIENTSUCCESS_API_KEY}` or a stored credential keep it out.
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from clientsuccess_connector.config.env_vars import has_reference
from clientsuccess_connector.connection.redaction import looks_secret

_log = logging.getLogger("clientsuccess_connector.config.flow")
_SECRET_KEYS = ("api_key", "password")
_URL_SECRETS = frozenset({"password", "sslpassword"})
_warned: set[tuple[str, tuple[str, ...]]] = set()


def plain_secrets(doc: Mapping[str, Any]) -> list[str]:
    """Key paths of the secrets `doc` (a valid flow as written) holds in plain text."""
    found: list[str] = []
    connection = doc.get("connection")
    marked: list[str] = []
    if isinstance(connection, Mapping):
        found += [f"connection.{k}" for k in _SECRET_KEYS if _literal(connection.get(k))]
        marked_raw = connection.get("secret_headers") or []
        marked = [marked_raw] if isinstance(marked_raw, str) else list(map(str, marked_raw))
    destination = doc.get("destination")
    if _literal(destination) and _url_has_password(str(destination)):
        found.append("destination")
    sources = doc.get("sources")
    if isinstance(sources, Mapping):
        for name, source in sources.items():
            headers = source.get("headers") if isinstance(source, Mapping) else None
            for header, value in _headers(headers):
                if looks_secret(header, marked) and _literal(value):
                    found.append(f"sources.{name}.headers.{header}")
    return found


def warn_plain_secrets(doc: Mapping[str, Any], path: Path | None) -> None:
    """Log one warning naming every plain-text secret of the flow file at `path`."""
    found = plain_secrets(doc)
    key = (str(path), tuple(found))
    if not found or key in _warned:
        return
    _warned.add(key)
    where = str(path) if path is not None else "the flow"
    readable = ""
    if path is not None and path.exists() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        readable = f"; other users can read it too: `chmod 600 {path}`"
    _log.warning(
        "%s holds %s in plain text; write ${CLIENTSUCCESS_...} variables instead (or declare "
        "your own under env:), or name a stored credential with `connection: credential: NAME`%s",
        where,
        ", ".join(found),
        readable,
    )


def _literal(value: Any) -> bool:
    """True for a non-empty string that reads no variable."""
    return isinstance(value, str) and bool(value.strip()) and not has_reference(value)


def _url_has_password(url: str) -> bool:
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return False
    query = parse_qsl(parts.query)
    return bool(password) or any(k.lower() in _URL_SECRETS and v for k, v in query)


def _headers(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, Mapping):
        return [(str(k), v) for k, v in value.items()]
    if isinstance(value, str):
        pairs = (pair.partition(":") for pair in value.split(","))
        return [(name.strip(), val.strip()) for name, sep, val in pairs if sep]
    return []
