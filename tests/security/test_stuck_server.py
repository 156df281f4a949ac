"""A server that trickles its answer is given up on at `attempt_deadline` (default 60 s, so a
`test` ends within two minutes), with a message naming the deadline, in `test` and `sync`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from click.testing import Result

from clientsuccess_connector.connection import ConnectionSettings
from tests.security.hostile import KEY, HostileServer, Received, response, trickle

BODY = json.dumps({"data": [{"id": 1, "name": "a"}], "totalElements": 1}).encode()


def _trickling(received: Received, server: HostileServer) -> Iterator[bytes]:
    """Headers at once, then the body one byte every 0.2 s: each read is quick, none ends."""
    head = response(200, BODY, {"Content-Type": "application/json"})[: -len(BODY)]
    return trickle(head, BODY, 0.2, server.stop)


def _flow(tmp_path: Path, server: HostileServer) -> Path:
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        f"connection:\n  base_url: {server.origin}/api/v1\n  api_key: ${{CLIENTSUCCESS_API_KEY}}\n"
        "  attempt_deadline: 1\n  timeout: 5\n"
        "sources:\n  clients:\n    template: search_clients\n"
    )
    return flow


def test_the_default_attempt_deadline_ends_a_test_within_two_minutes() -> None:
    """One attempt, plus a login's `timeout`, stays under two minutes by default."""
    settings = ConnectionSettings()
    assert settings.attempt_deadline + settings.timeout < 120
    assert settings.attempt_deadline < settings.request_deadline


def test_a_trickling_server_ends_test_naming_the_deadline(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    with HostileServer(_trickling) as server:
        flow = _flow(tmp_path, server)
        result = run_cli(["test", "--flow", str(flow), "clients"],
                         env={"CLIENTSUCCESS_API_KEY": KEY})  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "attempt_deadline (1 s)" in result.output
    assert len(server.received) == 1  # a stuck server is not asked again


def test_a_trickling_server_ends_sync_naming_the_deadline(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    with HostileServer(_trickling) as server:
        flow = _flow(tmp_path, server)
        destination = f"jsonl:///{tmp_path / 'out'}"
        result = run_cli(["sync", "--flow", str(flow), "--destination", destination],
                         env={"CLIENTSUCCESS_API_KEY": KEY})  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "attempt_deadline" in result.output
