"""Manual write endpoints: `write --url PATH --method M`, the product doc's manual configuration
mirrored for writes.

A manual endpoint is an ad-hoc write Template: each `{column}` of the path is a path field
taken from that column of the row, and the body is the row itself (every other column, as the
first row types it), or only the fields a mapping and constants name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from clientsuccess_connector.catalog.loader import settings
from clientsuccess_connector.catalog.model import Param, ParamType, Template
from clientsuccess_connector.errors import ConfigError

MANUAL_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_PLACEHOLDER = re.compile(r"{([^{}]*)}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .-]*$")


def _json_type(value: Any) -> ParamType:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return "string"


def manual_template(
    method: str,
    path: str,
    first_row: Mapping[str, Any],
    *,
    fields: Mapping[str, str] | None = None,
) -> Template:
    """The write Template of a manual endpoint, typed by the first input row.

    `fields` maps the body fields a mapping or constants name to their input column; without
    any, every column of the row that is not in the path goes into the body.
    """
    method = method.upper()
    if method not in MANUAL_METHODS:
        raise ConfigError(
            f"method {method!r} of a manual write is not one of {', '.join(MANUAL_METHODS)}"
        )
    if not path.startswith("/"):
        raise ConfigError(
            f"url {path!r} must be a path beginning with / (relative to the base URL)"
        )
    in_path = _PLACEHOLDER.findall(path)
    for name in in_path:
        if not _NAME.match(name):
            raise ConfigError(f"url {path!r}: {{{name}}} must name an input column")
    params = [
        Param(name, "string", "path", required=True, description="From the input column.")
        for name in in_path
    ]
    body = dict(fields or {}) or {c: c for c in first_row if c not in in_path}
    params += [
        Param(name, _json_type(first_row.get(column)), "body", description="From the input row.")
        for name, column in body.items()
        if name not in in_path
    ]
    return Template(
        name="manual",
        title="Manual endpoint",
        kind="write",
        method=method,
        path=path,
        evidence="inferred",
        description=f"{method} {path}, configured by the user",
        params=tuple(params),
        rejected_before_acting=frozenset(settings().rejected_before_acting),
    )
