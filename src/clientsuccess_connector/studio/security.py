"""The studio's guard: a start-up token on every request, CSRF on every change, strict headers.

The first visit carries `?token=...` (the address `studio` prints); the guard answers with a
redirect that drops the token from the address bar and sets it as an HttpOnly, SameSite=Strict
cookie. Every state change (any method but GET/HEAD) must also carry the CSRF token, which the
pages hold and send in the `X-CSRF-Token` header; a cross-site form can send neither.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlencode

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD"})
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def new_token() -> str:
    """A fresh random token for one studio start."""
    return secrets.token_urlsafe(24)


def csrf_token(token: str) -> str:
    """The CSRF token that goes with a session token (derived, so nothing is stored)."""
    return hmac.new(token.encode(), b"studio-csrf", hashlib.sha256).hexdigest()


def cookie_name(token: str) -> str:
    """A cookie name of this studio start (two studios on one host keep apart)."""
    return "cs_studio_" + hashlib.sha256(token.encode()).hexdigest()[:10]


class TokenGuard:
    """ASGI middleware: refuse requests without the token, and changes without the CSRF token."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token
        self.csrf = csrf_token(token)
        self.cookie = cookie_name(token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response = self._check(request)
        if response is not None:
            await _with_headers(response)(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _check(self, request: Request) -> Response | None:
        cookie = request.cookies.get(self.cookie, "")
        if not _same(cookie, self.token):
            given = request.query_params.get("token", "")
            if request.method in _SAFE_METHODS and _same(given, self.token):
                return self._enter(request)
            return PlainTextResponse(
                "Forbidden: open the address that `clientsuccess-connector studio` printed "
                "(it carries the access token).",
                status_code=403,
            )
        if request.method not in _SAFE_METHODS and not _same(
            request.headers.get(CSRF_HEADER, ""), self.csrf
        ):
            return PlainTextResponse(
                "Forbidden: the CSRF token is missing or wrong; reload the page and try again.",
                status_code=403,
            )
        return None

    def _enter(self, request: Request) -> Response:
        """Trade the token in the address for a cookie, and drop it from the address."""
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            self.cookie, self.token, httponly=True, samesite="strict", path="/", secure=False
        )
        return response


def _same(given: str, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _with_headers(response: Response) -> Response:
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    return response
