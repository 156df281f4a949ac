"""The raw ASGI application: routing, faults, auth, handlers, stats. No framework."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from clientsuccess_connector.simulator import admin
from clientsuccess_connector.simulator.auth import Auth, invalid_token
from clientsuccess_connector.simulator.churn import churn
from clientsuccess_connector.simulator.config import SimulatorConfig
from clientsuccess_connector.simulator.faults import FaultController
from clientsuccess_connector.simulator.handlers import HANDLERS
from clientsuccess_connector.simulator.moved import moved_catalog
from clientsuccess_connector.simulator.profile import ServerProfile
from clientsuccess_connector.simulator.request import Request
from clientsuccess_connector.simulator.responses import (
    HTML,
    MAINTENANCE_PAGE,
    HttpError,
    Response,
    error_body,
    json_response,
)
from clientsuccess_connector.simulator.router import AUTH_PATHS, PREFIXES, Match, Router
from clientsuccess_connector.simulator.stats import Received, Stats
from clientsuccess_connector.simulator.store import Store
from clientsuccess_connector.simulator.timefmt import Clock, http_date

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class SimulatedDrop(Exception):
    """Raised after part of a body was sent, so the server closes the connection mid-response."""


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _headers(resp: Response, length: int, clock: Clock) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", resp.content_type),
        (b"content-length", str(length).encode()),
        (b"date", http_date(clock.now_ms())),  # the server's clock (profile's clock_offset)
        *resp.headers,
    ]


class SimulatorApp:
    """The ClientSuccess API simulator as an ASGI 3 app (usable with httpx.ASGITransport)."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        cfg = self.config
        self.store = Store(cfg.clients, cfg.seed)
        self.auth = Auth(cfg.api_key, cfg.username, cfg.password, cfg.token_ttl)
        self.faults = FaultController(cfg.fault_settings())
        self.profile = cfg.profile  # how searches behave; switchable at runtime
        self.stats = Stats()
        self.router = Router(moved_catalog(cfg.moved_routes))

    @property
    def profile(self) -> ServerProfile:
        """How the server behaves (profile.py)."""
        return self._profile

    @profile.setter
    def profile(self, profile: ServerProfile) -> None:
        self._profile = profile
        self.store.clock.set_offset(profile.clock_offset * 1000)
        self.store.track_versions = profile.visibility_lag > 0

    # --- helpers used by handlers and admin ------------------------------------------------------
    def reset(self) -> None:
        """Seeded data back, faults back to start-up settings, stats zeroed."""
        self.store.reset()
        self.faults.clear()
        self.profile = self.config.profile
        self.stats.reset()

    def info(self) -> dict[str, Any]:
        """What this simulator holds."""
        return {
            "clients": self.config.clients,
            "seed": self.config.seed,
            "prefixes": list(PREFIXES),
            "auth_paths": list(AUTH_PATHS),
            "moved_routes": dict(self.config.moved_routes),
            "counts": {name: self.store.count(name) for name in self.store.resources},
        }

    def maybe_churn(self, resource: str, req: Request) -> None:
        """Churn faults: change and add records of `resource` while a client pages through it."""
        plan = self.faults.churn(req.template.name, req.method)
        if plan is not None:
            churn(self.store, resource, *plan)
            self.stats.fault("churn")

    # --- ASGI --------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if kind != "http":
            return
        method: str = scope["method"]
        path: str = scope["path"]
        if path.startswith("/_simulator/"):
            body = await _read_body(receive)
            resp = admin.handle(self, method, path, body)
            await self._send(send, resp)
            return
        if path in AUTH_PATHS:
            await self._auth_route(scope, receive, send, method, path)
            return
        # Route on the raw (still percent-encoded) path, as a real server does: an encoded "/"
        # inside a path parameter must not split it into two segments.
        raw_path = scope.get("raw_path") or path.encode()
        match = self.router.match(method, raw_path.decode("latin-1"))
        if method == "OPTIONS" and match is False:  # a known path: say which methods it takes
            allow = ", ".join([*self.router.allowed(raw_path.decode("latin-1")), "OPTIONS"])
            self.stats.record("options", 200)
            await self._send(send, Response(200, b"", headers=[(b"allow", allow.encode())]))
            return
        if not isinstance(match, Match):
            status = 405 if match is False else 404
            text = (
                f"Request method '{method}' is not supported for {path}"
                if status == 405
                else f"No route {method} {path}"
            )
            self.stats.record("unknown", status)
            resp = json_response(status, error_body(status, text, path))
            await self._send(send, self._plain_404(resp, path))
            return
        await self._api_route(scope, receive, send, match)

    async def _pre_faults(
        self, route: str, method: str, headers: dict[bytes, bytes]
    ) -> tuple[str | None, Response | None]:
        delay = self.faults.latency_s()
        if delay > 0:
            await asyncio.sleep(delay)
        fault = self.faults.decide(route, method)
        if fault is None or fault in ("drop", "truncate", "commit_503"):
            return fault, None  # faults after the request acted
        self.stats.fault(fault)
        if fault == "429":
            seconds = self.faults.retry_after()
            text = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
            return fault, json_response(
                429,
                error_body(429, "Too many requests; retry later", ""),
                [(b"retry-after", text.encode())],
            )
        if fault == "503":
            return fault, Response(503, MAINTENANCE_PAGE, HTML)
        token = headers.get(b"authorization", b"").decode("latin-1").strip()
        if token and token != self.auth.api_key:
            self.auth.revoke(token)
        return fault, invalid_token(token)

    async def _auth_route(
        self, scope: Scope, receive: Receive, send: Send, method: str, path: str
    ) -> None:
        headers = dict(scope["headers"])
        fault, early = await self._pre_faults("auth", method, headers)
        if early is not None:
            await self._finish(send, "auth", early, None, path)
            return
        if method != "POST":
            resp = json_response(
                405, error_body(405, f"Request method '{method}' is not supported", path)
            )
        else:
            body = await _read_body(receive)
            resp = self.auth.login(
                body, headers.get(b"content-type", b""), scope.get("query_string", b"")
            )
        await self._finish(send, "auth", resp, fault, path)

    async def _api_route(self, scope: Scope, receive: Receive, send: Send, match: Match) -> None:
        self.stats.started(match.template.name)
        try:
            await self._answer(scope, receive, send, match)
        finally:
            self.stats.ended(match.template.name)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, match: Match) -> None:
        template = match.template
        method: str = scope["method"]
        path: str = scope["path"]
        headers = dict(scope["headers"])
        fault, early = await self._pre_faults(template.name, method, headers)
        if early is not None:
            await self._finish(send, template.name, early, None, path)
            return
        denied = self.auth.check(headers, path)
        if denied is not None:
            await self._finish(send, template.name, denied, None, path)
            return
        qs: bytes = scope.get("query_string", b"")
        pairs = parse_qsl(qs.decode("latin-1"), keep_blank_values=True) if qs else []
        self.stats.received(Received(method, path, tuple(pairs)))
        query = dict(pairs)
        body = b"" if method == "GET" else await _read_body(receive)
        req = Request(method, path, template, match.path_params, query, body, headers)
        handler = HANDLERS.get(template.name)
        try:
            if handler is None:
                raise HttpError(501, f"Template {template.name!r} is not simulated")
            resp = handler(self, req)
        except HttpError as exc:
            resp = exc.response(path)
        await self._finish(send, template.name, resp, fault, path)

    async def _finish(
        self, send: Send, route: str, resp: Response, fault: str | None, path: str
    ) -> None:
        if resp.status >= 400 and resp.content_type != HTML and b'"path":""' in resp.body:
            resp.body = resp.body.replace(b'"path":""', b'"path":"' + path.encode() + b'"', 1)
        resp = self._plain_404(resp, path)
        if fault == "commit_503":  # the handler has acted; the client hears it did not
            self.stats.fault("commit_503")
            resp = Response(503, MAINTENANCE_PAGE, HTML)
        self.stats.record(route, resp.status)
        if fault == "truncate":
            self.stats.fault("truncate")
            body = resp.body if len(resp.body) > 1 else b'{"data":[]}'
            resp.body = body[: max(1, len(body) // 2)]
            await self._send(send, resp)
            return
        if fault == "drop":
            self.stats.fault("drop")
            body = resp.body or b"{}"
            await send(
                {
                    "type": "http.response.start",
                    "status": resp.status,
                    "headers": _headers(resp, len(body), self.store.clock),
                }
            )
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            raise SimulatedDrop(f"simulated connection drop on {path}")
        await self._send(send, resp)

    def _plain_404(self, resp: Response, path: str) -> Response:
        """Under the `not_found: plain` profile, every 404 has one body, whatever was missing."""
        if resp.status != 404 or self.profile.not_found != "plain":
            return resp
        return json_response(404, {"status": 404, "error": "Not Found", "path": path})

    async def _send(self, send: Send, resp: Response) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": resp.status,
                "headers": _headers(resp, len(resp.body), self.store.clock),
            }
        )
        await send({"type": "http.response.body", "body": resp.body})
