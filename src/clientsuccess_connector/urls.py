"""URL building shared by reads and writes: path parameters stay inside their segment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

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


def join_url(base_url: str, path_or_url: str) -> str:
    """An absolute URL stays as it is; a relative one is appended to the base URL."""
    if path_or_url.startswith(("http://", "https://")):
        return path_or_url
    return base_url.rstrip("/") + "/" + path_or_url.lstrip("/")


def origin(url: str) -> str:
    """`scheme://host[:port]` of a URL."""
    match = re.match(r"^(https?://[^/?#]+)", url)
    if not match:
        raise ConfigError(f"base URL {url!r} is not an http(s) URL; set CLIENTSUCCESS_BASE_URL")
    return match.group(1)
