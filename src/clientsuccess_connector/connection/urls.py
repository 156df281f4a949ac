"""URL building shared by reads and writes: path parameters stay inside their segment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from clientsuccess_connector.errors import ConfigError

_PLACEHOLDER = re.compile(r"{(\w+)}")


def encode_segment(value: Any) -> str:
    """Percent-encode a value as exactly one path segment (`/`, `..`, `?`, `#` cannot escape it)."""
    text = str(value)
    encoded = quote(text, safe="")
    # "." and ".." are legal unreserved text but mean "this/parent directory" as a whole segment.
    if encoded in {".", ".."}:
        encoded = encoded.replace(".", "%2E")
    return encoded


def render_path(path: str, values: Mapping[str, Any]) -> str:
    """Fill `{name}` placeholders of a template path, each percent-encoded as one segment."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name)
        if value is None or value == "":
            raise ConfigError(
                f"missing required path parameter {name!r}; give it with -p {name}=VALUE"
            )
        return encode_segment(value)

    return _PLACEHOLDER.sub(fill, path)


V1_PREFIX = "/v1/"


def join_url(base_url: str, path_or_url: str) -> str:
    """An absolute URL stays as it is; a relative one is appended to the base URL.

    A path that begins with `/v1/` is a legacy v1 route: like the login, it lives at the origin
    of the base URL (`https://host/v1/...`), whether the base is `.../api/v1` or `.../v2`.
    """
    if path_or_url.startswith(("http://", "https://")):
        return path_or_url
    if path_or_url.startswith(V1_PREFIX):
        return origin(base_url) + path_or_url
    return base_url.rstrip("/") + "/" + path_or_url.lstrip("/")


def origin(url: str) -> str:
    """`scheme://host[:port]` of a URL (the port only when it is not the scheme's default)."""
    scheme, host, port = origin_parts(url)
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{shown}" + ("" if port == default else f":{port}")


def origin_parts(url: str | httpx.URL) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, the port filled in: what credentials are bound to."""
    parsed = url if isinstance(url, httpx.URL) else parse_http_url(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return parsed.scheme, parsed.host, port


def parse_http_url(
    url: str, what: str = "base URL", fix: str = "set CLIENTSUCCESS_BASE_URL"
) -> httpx.URL:
    """An absolute http(s) URL, or a ConfigError naming `what` and the fix (never the password)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{what} {without_userinfo(url)!r} is not a valid URL ({exc}); {fix}"
        ) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"{what} {without_userinfo(url)!r} is not an http(s) URL; {fix}")
    if not _HOST.fullmatch(parsed.host) or not 0 < (parsed.port or 80) < 65536:
        raise ConfigError(f"{what} {without_userinfo(url)!r} has an invalid host or port; {fix}")
    return parsed


def without_userinfo(url: str) -> str:
    """`url` with any `user:password@` part replaced by `***@`, for messages."""
    return _USERINFO.sub(r"\1***@", url)


_HOST = re.compile(r"[A-Za-z0-9._~:-]+")  # names, IPv4 and IPv6 literals (brackets removed)
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@]*@")
