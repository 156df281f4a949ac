"""The studio's guard over real HTTP: token, cookie, CSRF, headers, secrets and upload limits."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.studio.security import CSRF_HEADER
from clientsuccess_connector.studio.state import UPLOAD_LIMIT
from tests.studio.conftest import Studio


@pytest.fixture
def client(studio: Studio) -> Iterator[httpx.Client]:
    """A client that entered with the token (so it holds the cookie)."""
    with httpx.Client(base_url=studio.base, timeout=30) as c:
        c.get(studio.url, follow_redirects=True)
        yield c


def _csrf(studio: Studio) -> dict[str, str]:
    return {CSRF_HEADER: studio.running.state.csrf}


def _add_sim_credential(client: httpx.Client, studio: Studio) -> httpx.Response:
    form = {"name": "sim", "base_url": studio.sim.api_v1_url, "auth": "api-key",
            "api_key": studio.sim.api_key, "api_key_header": "X-API-Key"}  # fmt: skip
    return client.post("/credentials", data=form, headers=_csrf(studio))


def test_a_request_without_the_token_is_refused(studio: Studio) -> None:
    """No token, a wrong token, or a POST carrying the token in the URL: 403."""
    assert httpx.get(f"{studio.base}/flows/new").status_code == 403
    assert httpx.get(f"{studio.base}/datasets?token=wrong").status_code == 403
    assert httpx.post(f"{studio.url}&x=1", data={}).status_code == 403
    assert httpx.get(f"{studio.base}/static/studio.js").status_code == 403


def test_the_token_becomes_a_strict_httponly_cookie_and_leaves_the_address(studio: Studio) -> None:
    """The first visit redirects to the same page without the token and sets the cookie."""
    answer = httpx.get(f"{studio.base}/datasets?token={studio.running.token}&x=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/datasets?x=1"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_a_change_without_the_csrf_token_is_refused(client: httpx.Client, studio: Studio) -> None:
    """Posting with the cookie but without (or with a wrong) CSRF header changes nothing."""
    form = {"name": "evil", "base_url": "https://example.com/api/v1", "auth": "api-key",
            "api_key": "k"}  # fmt: skip
    assert client.post("/credentials", data=form).status_code == 403
    wrong = {CSRF_HEADER: "0" * 64}
    assert client.post("/credentials", data=form, headers=wrong).status_code == 403
    assert client.post("/datasets/sync", headers={CSRF_HEADER: ""}).status_code == 403
    assert "evil" not in client.get("/credentials").text


def test_pages_carry_a_strict_content_security_policy(client: httpx.Client) -> None:
    """Inline scripts cannot run even if something slipped through escaping."""
    answer = client.get("/flows/new")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"


def test_a_stored_secret_never_reaches_the_browser(client: httpx.Client, studio: Studio) -> None:
    """After adding a credential and testing it, no page or fragment holds the API key."""
    bodies = [_add_sim_credential(client, studio).text]
    bodies.append(client.post("/credentials/sim/test", headers=_csrf(studio)).text)
    assert "works" in bodies[-1]
    for path in ("/credentials", "/flows/new", "/datasets", "/write"):
        bodies.append(client.get(path).text)
    test_form = {"credential": "sim", "mode": "template", "endpoint": "search_clients"}
    bodies.append(client.post("/flows/test", data=test_form, headers=_csrf(studio)).text)
    assert "X-API-Key: ***" in bodies[-1]
    assert not [b for b in bodies if studio.sim.api_key in b]


def test_uploads_over_the_limit_or_of_unknown_kinds_are_refused(
    client: httpx.Client, studio: Studio
) -> None:
    """A file over the limit, or not CSV/JSON lines/JSON, gets a one-line error."""
    big = b"a\n" + b"1\n" * (UPLOAD_LIMIT // 2 + 1)
    files = {"file": ("big.csv", big, "text/csv")}
    answer = client.post("/write/upload", data={"template": "create_pulse"}, files=files,
                         headers=_csrf(studio))  # fmt: skip
    assert "larger than" in answer.text
    files = {"file": ("notes.exe", b"MZ", "application/octet-stream")}
    answer = client.post("/write/upload", data={"template": "create_pulse"}, files=files,
                         headers=_csrf(studio))  # fmt: skip
    assert ".exe is not supported" in answer.text
    assert list(studio.running.state.uploads.iterdir()) == []


def test_create_saves_a_source_the_cli_can_read(client: httpx.Client, studio: Studio) -> None:
    """The flow file the studio saves is the CLI's: `test --flow flow.yaml notes` reads it.

    The chosen credential is recorded as `connection: credential:` and stored where
    `credentials add` stores it, so the CLI needs no CLIENTSUCCESS_* secret of its own."""
    _add_sim_credential(client, studio)
    form = {"credential": "sim", "source_name": "recent", "mode": "advanced", "method": "GET",
            "url": "/clientNote/search?modifiedAfter={now-3650}", "time_unit": "day",
            "date_format": "yyyy-MM-dd", "data_path": "$.data[*]",
            "metadata_path": "$.totalElements", "primary_key": "id"}  # fmt: skip
    answer = client.post("/flows/create", data=form, headers=_csrf(studio))
    assert "Saved source" in answer.text
    studio.running.state.jobs.wait(studio.running.state.jobs.get("1"), 30)  # type: ignore[arg-type]
    saved = yaml.safe_load((studio.folder / "flow.yaml").read_text(encoding="utf-8"))
    assert saved["connection"] == {"credential": "sim"}
    env = {"CLIENTSUCCESS_CONFIG_DIR": str(studio.folder / "config")}
    result = CliRunner().invoke(
        cli, ["test", "--flow", "flow.yaml", "recent", "--limit", "2", "--format", "json"], env=env
    )
    assert result.exit_code == 0, result.output
    assert '"_metadata"' in result.output
    again = client.post("/flows/create", data=form, headers=_csrf(studio))
    assert "already in" in again.text


def test_the_command_prints_the_start_line_and_warns_off_loopback(tmp_path: Path) -> None:
    """`studio --no-browser` prints `Studio: http://HOST:PORT/?token=...`; 0.0.0.0 warns."""
    args = [sys.executable, "-m", "clientsuccess_connector", "studio", "--no-browser",
            "--port", "0", "--host", "0.0.0.0", "--flow", str(tmp_path / "flow.yaml")]  # fmt: skip
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline().strip()
        assert line.startswith("Studio: http://0.0.0.0:")
        assert "/?token=" in line and len(line.rsplit("=", 1)[1]) >= 24
        assert "warning: --host 0.0.0.0" in process.stderr.readline()
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_a_bad_setting_is_one_line_in_place_and_saves_nothing(
    client: httpx.Client, studio: Studio
) -> None:
    """A broken data path or an empty source name is reported where the result would be."""
    _add_sim_credential(client, studio)
    form = {"credential": "sim", "source_name": "broken", "mode": "advanced", "method": "GET",
            "url": "/clientNote/search", "data_path": "$.data[", "primary_key": "id"}  # fmt: skip
    answer = client.post("/flows/test", data=form, headers=_csrf(studio))
    assert 'role="alert"' in answer.text and "data_path" in answer.text
    answer = client.post("/flows/create", data={**form, "data_path": "", "source_name": ""},
                         headers=_csrf(studio))  # fmt: skip
    assert "Source name is empty" in answer.text
    assert "sources" not in (studio.folder / "flow.yaml").read_text(encoding="utf-8")
