"""Responses and the error bodies the simulator answers with."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import orjson

JSON = b"application/json"
HTML = b"text/html; charset=utf-8"


@dataclass(slots=True)
class Response:
    """A complete HTTP response: status, body bytes and extra headers."""

    status: int
    body: bytes = b""
    content_type: bytes = JSON
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


def json_response(
    status: int, payload: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> Response:
    """A JSON response."""
    return Response(status, orjson.dumps(payload), JSON, headers or [])


def reason(status: int) -> str:
    """The HTTP reason phrase of a status."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def now_iso() -> str:
    """The current time as `YYYY-MM-DDTHH:MM:SS.sssZ`."""
    ms = time.time_ns() // 1_000_000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def error_body(
    status: int, message: str, path: str, field_name: str | None = None
) -> dict[str, Any]:
    """The Spring-style error body ([I]): status, error, message, path, timestamp (+ field)."""
    body: dict[str, Any] = {
        "status": status,
        "error": reason(status),
        "message": message,
        "path": path,
        "timestamp": now_iso(),
    }
    if field_name is not None:
        body["field"] = field_name
    return body


class HttpError(Exception):
    """Raised by handlers: becomes a Spring-style JSON error response."""

    def __init__(
        self,
        status: int,
        message: str,
        field_name: str | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field_name
        self.headers = headers or []

    def response(self, path: str) -> Response:
        """This error as a response for the request path."""
        return json_response(
            self.status, error_body(self.status, self.message, path, self.field), self.headers
        )


MAINTENANCE_PAGE = b"""<!DOCTYPE html>
<html><head><title>System Maintenance</title></head>
<body><h1>System Maintenance</h1>
<p>ClientSuccess is undergoing scheduled maintenance. We&#39;ll be back shortly.</p>
</body></html>
"""
