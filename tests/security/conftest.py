"""The security suite's leak check, run around every test of the suite.

No secret of the suite (`hostile.SECRETS`), nor any 8-character piece of one, may appear in
what the test printed (stdout, stderr, CLI output through `run_cli`), in the library's log
records, in any file under the test's `tmp_path`, or in any request received by a server
that holds no credential (`HostileServer(..., trusted=False)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from tests.security.hostile import SECRETS, HostileServer, leaked, request_text

Shown = list[tuple[str, str]]


@pytest.fixture
def shown() -> Shown:
    """(place, text) pairs a test adds for the leak check to scan (e.g. CLI output)."""
    return []


@pytest.fixture
def run_cli(shown: Shown) -> Callable[..., Result]:
    """`CliRunner().invoke(cli, args, env=env)`, its output scanned by the leak check."""

    def run(args: Sequence[str], env: dict[str, str] | None = None) -> Result:
        result = CliRunner().invoke(cli, list(args), env=env)
        shown.append((f"output of {' '.join(args)}", result.output))
        return result

    return run


@pytest.fixture(autouse=True)
def no_secret_leaves(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    shown: Shown,
) -> Iterator[None]:
    """Fail the test when a piece of a secret reached any place listed in the docstring."""
    caplog.set_level("DEBUG", logger="clientsuccess_connector")
    HostileServer.started.clear()
    yield
    out, err = capsys.readouterr()
    places: Shown = [("stdout", out), ("stderr", err), ("log records", caplog.text), *shown]
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file()):
        places.append((f"file {path.name}", path.read_bytes().decode("latin-1")))
    for server in HostileServer.started:
        if not server.trusted:
            for received in list(server.received):
                places.append((f"request to {server.origin}", request_text(received)))
    found = {place: leaked(SECRETS, text) for place, text in places}
    assert not {place: bits for place, bits in found.items() if bits}, "secrets leaked"
