"""Credentials: the API key (X-API-Key or Authorization) and session tokens from POST /v1/auth."""

from __future__ import annotations

import threading
import time
import uuid as uuidlib
from typing import Any
from urllib.parse import parse_qsl

import orjson

from clientsuccess_connector.simulator.responses import (
    Response,
    error_body,
    json_response,
)


def invalid_token(token: str) -> Response:
    """The recorded 401 for an expired or unknown token [D IGN]."""
    header = f'Bearer realm="clientsuccess", error="invalid_token", error_description="{token}"'
    return json_response(
        401,
        {"error": "invalid_token", "error_description": token},
        [(b"www-authenticate", header.encode("latin-1", "replace"))],
    )


class Auth:
    """Checks credentials; issues session tokens (UUIDs) that expire after `token_ttl` seconds."""

    def __init__(self, api_key: str, username: str, password: str, token_ttl: float) -> None:
        self.api_key = api_key
        self.username = username
        self.password = password
        self.token_ttl = token_ttl
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()

    def expire_all(self) -> int:
        """Expire every issued token now; returns how many there were."""
        with self._lock:
            n = len(self._tokens)
            self._tokens.clear()
            return n

    def revoke(self, token: str) -> None:
        """Expire one token now."""
        with self._lock:
            self._tokens.pop(token, None)

    def issue(self) -> str:
        """A new token valid for `token_ttl` seconds."""
        token = str(uuidlib.uuid4())
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_ttl
        return token

    def token_valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._tokens.get(token)
            if expiry is None:
                return False
            if expiry <= time.monotonic():
                del self._tokens[token]
                return False
            return True

    def check(self, headers: dict[bytes, bytes], path: str) -> Response | None:
        """None when the request may proceed, else the 401 response."""
        key = headers.get(b"x-api-key")
        if key is not None:
            if key.decode("latin-1") == self.api_key:
                return None
            return json_response(401, error_body(401, "Invalid API key in header X-API-Key", path))
        value = headers.get(b"authorization")
        if value is None:
            return json_response(
                401,
                error_body(
                    401,
                    "Full authentication is required: send X-API-Key: <key> or "
                    "Authorization: <session token>",
                    path,
                ),
            )
        text = value.decode("latin-1").strip()
        if text == self.api_key or self.token_valid(text):
            return None
        return invalid_token(text)

    def login(self, body: bytes, content_type: bytes, query: bytes) -> Response:
        """POST /v1/auth: form-encoded, JSON or query-string username + password."""
        fields: dict[str, Any] = {}
        if query:
            fields.update(parse_qsl(query.decode("latin-1")))
        if body:
            if b"json" in content_type or body.lstrip()[:1] == b"{":
                try:
                    parsed = orjson.loads(body)
                except orjson.JSONDecodeError:
                    parsed = None
                if isinstance(parsed, dict):
                    fields.update(parsed)
            else:
                fields.update(parse_qsl(body.decode("utf-8", "replace")))
        if fields.get("username") == self.username and fields.get("password") == self.password:
            ttl = self.token_ttl
            expires = int(ttl) if float(ttl).is_integer() else ttl
            return json_response(
                200, {"access_token": self.issue(), "token_type": "Bearer", "expires_in": expires}
            )
        return json_response(401, {"code": "Unauthorized", "message": ""})
