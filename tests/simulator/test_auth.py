"""Both auth styles and every 401 shape the simulator answers with."""

from __future__ import annotations

import httpx
import pytest

from clientsuccess_connector.simulator import SimulatorHandle


def _login(sim: SimulatorHandle, **kwargs: object) -> httpx.Response:
    return httpx.post(sim.auth_url, timeout=10, **kwargs)  # type: ignore[arg-type]


def test_api_key_in_x_api_key_header(shared_simulator: SimulatorHandle) -> None:
    """The key in X-API-Key reads data under /api/v1 and /v2."""
    for base in (shared_simulator.api_v1_url, shared_simulator.v2_url):
        r = httpx.get(f"{base}/product/search", headers={"X-API-Key": shared_simulator.api_key})
        assert r.status_code == 200
        assert r.json()["data"]


def test_api_key_in_authorization_header(shared_simulator: SimulatorHandle) -> None:
    """The key also works as `Authorization: <key>` (the /v2 integrations' form)."""
    r = httpx.get(
        f"{shared_simulator.v2_url}/product/search",
        headers={"Authorization": shared_simulator.api_key},
    )
    assert r.status_code == 200


@pytest.mark.parametrize("style", ["form", "json"])
def test_login_returns_a_token_that_reads(shared_simulator: SimulatorHandle, style: str) -> None:
    """POST /v1/auth (form or JSON) gives a UUID token, sent bare in Authorization."""
    creds = {"username": shared_simulator.username, "password": shared_simulator.password}
    r = _login(shared_simulator, **({"data": creds} if style == "form" else {"json": creds}))
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 43200
    assert len(body["access_token"]) == 36
    read = httpx.get(
        f"{shared_simulator.v2_url}/client/search",
        headers={"Authorization": body["access_token"]},
    )
    assert read.status_code == 200


def test_login_also_under_api_v1(shared_simulator: SimulatorHandle) -> None:
    """/api/v1/auth is accepted too."""
    r = httpx.post(
        shared_simulator.base_url + "/api/v1/auth",
        data={"username": shared_simulator.username, "password": shared_simulator.password},
    )
    assert r.status_code == 200


def test_wrong_login_gets_the_recorded_401(shared_simulator: SimulatorHandle) -> None:
    """Wrong credentials: 401 {"code": "Unauthorized", "message": ""}."""
    r = _login(shared_simulator, data={"username": shared_simulator.username, "password": "no"})
    assert r.status_code == 401
    assert r.json() == {"code": "Unauthorized", "message": ""}


def test_bearer_prefix_is_rejected(shared_simulator: SimulatorHandle) -> None:
    """`Authorization: Bearer <token>` is an invalid token, with the WWW-Authenticate header."""
    token = _login(
        shared_simulator,
        data={"username": shared_simulator.username, "password": shared_simulator.password},
    ).json()["access_token"]
    r = httpx.get(
        f"{shared_simulator.v2_url}/client/search", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401
    assert r.json() == {"error": "invalid_token", "error_description": f"Bearer {token}"}
    assert r.headers["www-authenticate"].startswith('Bearer realm="clientsuccess"')
    assert 'error="invalid_token"' in r.headers["www-authenticate"]


def test_missing_and_wrong_key_get_401_json_and_no_data(shared_simulator: SimulatorHandle) -> None:
    """No credentials, or a wrong X-API-Key: 401 with a JSON error body, never data."""
    url = f"{shared_simulator.api_v1_url}/client/search"
    for headers in ({}, {"X-API-Key": "wrong"}):
        r = httpx.get(url, headers=headers)
        assert r.status_code == 401
        body = r.json()
        assert body["status"] == 401 and "data" not in body
        assert body["path"] == "/api/v1/client/search"


def test_expired_token_gets_invalid_token(simulator: SimulatorHandle) -> None:
    """Tokens expire after the TTL, or all at once on demand; the answer names the token."""
    creds = {"username": simulator.username, "password": simulator.password}
    simulator.set_token_ttl(0)
    token = _login(simulator, data=creds).json()["access_token"]
    r = httpx.get(f"{simulator.v2_url}/client/search", headers={"Authorization": token})
    assert r.status_code == 401
    assert r.json() == {"error": "invalid_token", "error_description": token}
    simulator.set_token_ttl(3600)
    token = _login(simulator, data=creds).json()["access_token"]
    assert _login(simulator, data=creds).json()["expires_in"] == 3600
    simulator.expire_tokens()
    r = httpx.get(f"{simulator.v2_url}/client/search", headers={"Authorization": token})
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
