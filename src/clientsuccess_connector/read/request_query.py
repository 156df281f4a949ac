"""A query string written in a source's `url:` becomes the source's query parameters.

`url: /pulse/search?modifiedAfter={now-7}` and `url: /pulse/search` with
`params: {modifiedAfter: "{now-7}"}` are the same source: the query is split off the URL when the
source is compiled, so every request of the read (every page, every fan-out value) carries it,
and the paginator adds only its own keys. A key given both ways is a configuration error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.pagination_config import AutoPagination, PaginatorConfig

# A macro (`{now+7}`, `{c.id}`) keeps its `+` and spaces; only the text around it is decoded.
_MACRO = re.compile(r"(\{[^{}]*\})")


def _decode(text: str) -> str:
    parts = _MACRO.split(text)
    return "".join(part if index % 2 else unquote_plus(part) for index, part in enumerate(parts))


def split_query(url: str) -> tuple[str, dict[str, Any]]:
    """(the URL without its query or fragment, the query's parameters); a key repeated in the
    query (`?status=a&status=b`) becomes a list, sent as the same repeated key."""
    without_fragment = url.partition("#")[0]
    path, _, query = without_fragment.partition("?")
    params: dict[str, Any] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition("=")
        key, value = _decode(raw_key), _decode(raw_value)
        if key in params:
            previous = params[key]
            params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            params[key] = value
    return path, params


def merge_query(
    from_url: Mapping[str, Any], params: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """The URL's query and `params:` as one mapping; a key given in both is a ConfigError."""
    both = sorted(set(from_url) & set(params))
    if both:
        names = ", ".join(repr(name) for name in both)
        raise ConfigError(
            f"{where}: query parameter {names} is given both in `url:` and in `params:`; "
            "keep one of them (they are the same thing)"
        )
    return {**from_url, **params}


def paginator_keys(pagination: PaginatorConfig) -> tuple[str, ...]:
    """The query parameters a pagination config sets on every page (none for `auto`, which
    continues with what the first request sent, and for types that follow server links)."""
    names = ("page_param", "size_param", "offset_param", "limit_param", "cursor_param")
    if isinstance(pagination, AutoPagination):
        return ()
    keys = (getattr(pagination, name, None) for name in names)
    return tuple(key for key in keys if isinstance(key, str))
