"""Destination URLs: parse `scheme://...` into its parts and mask passwords for display."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from clientsuccess_connector.errors import ConfigError

ACCEPTED_FORMS = (
    "duckdb:///path.duckdb, postgresql://user:pass@host:port/db[?schema=S], "
    "jsonl:///dir, csv:///dir or parquet:///dir"
)
FILE_FORMATS = ("jsonl", "csv", "parquet")


@dataclass(frozen=True)
class DestinationUrl:
    """A parsed destination: `kind` (duckdb, postgresql or a file format), a filesystem `path`
    for local kinds, the connection string for PostgreSQL, and the query options."""

    kind: str
    url: str
    masked: str
    path: Path | None = None
    options: dict[str, str] = field(default_factory=dict)


def mask_password(url: str) -> str:
    """`url` with the password (if any) replaced by `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username or ''}:***@{host}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def parse_destination(url: str) -> DestinationUrl:
    """Parse a destination URL; ConfigError naming the URL and the accepted forms if bad."""
    masked = mask_password(url) if "://" in url else url
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or not rest:
        raise _bad(masked, "it has no scheme://")
    if scheme in ("postgresql", "postgres"):
        try:
            parts = urlsplit(url)
            _ = parts.port
        except ValueError as exc:
            raise _bad(masked, str(exc)) from None
        if not parts.path.strip("/"):
            raise _bad(masked, "it names no database")
        options = dict(parse_qsl(parts.query))
        return DestinationUrl("postgresql", url, masked, None, options)
    if scheme == "duckdb" or scheme in FILE_FORMATS:
        path_text, _, query = rest.partition("?")
        if not path_text.startswith("/"):
            raise _bad(masked, "the path must follow three slashes, as in duckdb:///file.duckdb")
        path_text = path_text[1:]
        if path_text.startswith("/"):
            path_text = "/" + path_text.lstrip("/")
        if not path_text:
            raise _bad(masked, "it names no path")
        return DestinationUrl(scheme, url, masked, Path(path_text), dict(parse_qsl(query)))
    raise _bad(masked, f"the scheme {scheme!r} is not supported")


def _bad(masked: str, why: str) -> ConfigError:
    return ConfigError(f"bad destination {masked!r} ({why}); use {ACCEPTED_FORMS}")
