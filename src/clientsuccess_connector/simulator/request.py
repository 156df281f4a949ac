"""One API request as the handlers see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from clientsuccess_connector.catalog import Template
from clientsuccess_connector.simulator.responses import HttpError

_UNSET: Any = object()


@dataclass(slots=True)
class Request:
    """Method, path, matched template, path parameters, query (last value wins) and raw body."""

    method: str
    path: str
    template: Template
    path_params: dict[str, str]
    query: dict[str, str]
    body: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    _json: Any = _UNSET

    def json(self) -> Any:
        """The parsed JSON body; 400 "Unable to parse request body" when it is not JSON."""
        if self._json is _UNSET:
            if not self.body.strip():
                raise HttpError(400, "Unable to parse request body: the body is empty")
            try:
                self._json = orjson.loads(self.body)
            except orjson.JSONDecodeError as exc:
                raise HttpError(400, f"Unable to parse request body: {exc}") from None
        return self._json
