"""Unauthenticated control routes under /_simulator/ for tests that run the simulator elsewhere.

GET    /_simulator/faults          settings + pending budgets
PUT    /_simulator/faults          change settings: {"rate_503": 0.1, "fault_rate": 0.2, ..
                                   "next": [{"kind": "503", "count": 2}]}
DELETE /_simulator/faults          back to the start-up settings, no budgets
POST   /_simulator/faults/next     {"kind": "drop", "count": 1, "route": ..., "method": ...}
POST   /_simulator/tokens/expire   expire every session token now
POST   /_simulator/drift           time passes: scores drift, contracts renew or lapse, contacts
                                   change role ({"share": 0.2} of the clients); returns counts
POST   /_simulator/reset           regenerate the seeded data; clear faults, budgets and stats
GET    /_simulator/stats           {"total", "requests": {route: {status: n}}, "faults": {kind: n}}
GET    /_simulator/info            clients, seed, record counts, base paths
GET    /_simulator/profile         the server profile (how searches behave)
PUT    /_simulator/profile         change it: {"after_precision": "second", "sort": "ignored", ..}
                                   (settings not given go back to the start-up profile)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.simulator.health import drift
from clientsuccess_connector.simulator.profile import ServerProfile
from clientsuccess_connector.simulator.responses import Response, error_body, json_response

if TYPE_CHECKING:
    from clientsuccess_connector.simulator.state import SimulatorState


def _json(body: bytes) -> Any:
    return orjson.loads(body) if body.strip() else {}


def handle(app: SimulatorState, method: str, path: str, body: bytes) -> Response:
    """Answer one admin request."""
    route = path.removeprefix("/_simulator").rstrip("/")
    try:
        payload = _json(body) if method in ("PUT", "POST") else {}
        if route == "/faults" and method == "GET":
            return json_response(200, app.faults.describe())
        if route == "/faults" and method == "PUT":
            budgets = payload.pop("next", []) if isinstance(payload, dict) else []
            if not isinstance(payload, dict):
                raise ConfigError("the body must be a JSON object of fault settings")
            if "token_ttl" in payload:
                app.auth.token_ttl = float(payload.pop("token_ttl"))
            app.faults.configure(**payload)
            for item in budgets:
                app.faults.next(**item)
            return json_response(200, app.faults.describe())
        if route == "/faults" and method == "DELETE":
            app.faults.clear()
            return json_response(200, app.faults.describe())
        if route == "/faults/next" and method == "POST":
            app.faults.next(**payload)
            return json_response(200, app.faults.describe())
        if route == "/tokens/expire" and method == "POST":
            return json_response(200, {"expired": app.auth.expire_all()})
        if route == "/reset" and method == "POST":
            app.reset()
            return json_response(200, {"reset": True})
        if route == "/drift" and method == "POST":
            share = float(payload.get("share", 0.2)) if isinstance(payload, dict) else 0.2
            return json_response(200, {"changed": drift(app.store, share)})
        if route == "/stats" and method == "GET":
            return json_response(200, app.stats.snapshot())
        if route == "/profile" and method == "PUT":
            if not isinstance(payload, dict):
                raise ConfigError("the body must be a JSON object of profile settings")
            start = app.config.profile.describe()
            app.profile = ServerProfile.from_mapping({**start, **payload})
        if route == "/profile" and method in ("GET", "PUT"):
            return json_response(200, app.profile.describe())
        if route == "/info" and method == "GET":
            return json_response(200, app.info())
    except (ConfigError, TypeError, ValueError) as exc:
        return json_response(400, error_body(400, str(exc), path))
    return json_response(404, error_body(404, f"No admin route {method} {path}", path))
