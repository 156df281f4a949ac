"""What a command loads: each heavy library only with the feature that needs it.

A plain `sync` (default streams, settings from the environment, JSON answers, no terminal)
never needs the schema library (flow files), the general JSONPath engine, lxml (XML answers),
keyring (stored credentials), rich (a terminal's progress bars) or the write side; loading them
anyway cost more than half of its start-up. These tests check which modules a fresh process
holds, not how long anything takes (timings live in bench/).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from clientsuccess_connector.simulator import SimulatorHandle

# Libraries (and parts of ours) a plain sync must not load, each with what does need it.
NOT_FOR_A_PLAIN_SYNC = {
    "pydantic": "flow files and non-default connection settings",
    "jsonpath": "a data path beyond a plain $.a.b[*] chain",
    "lxml": "XML answers",
    "keyring": "stored credentials",
    "rich": "progress bars and tables on a terminal",
    "pygments": "nothing of ours (httpx's own command-line client)",
    "clientsuccess_connector.config.flow": "--flow",
    "clientsuccess_connector.write": "write",
    "clientsuccess_connector.credentials.store": "--credential and `credentials`",
}


def loaded_after(
    code: str, env: dict[str, str] | None = None, watched: Iterable[str] = NOT_FOR_A_PLAIN_SYNC
) -> set[str]:
    """The `watched` modules a fresh interpreter holds after running `code`."""
    report = (
        "\nimport sys as _s\n"
        f"_w = {sorted(watched)!r}\n"
        "print('loaded:' + ','.join(w for w in _w if any(m == w or m.startswith(w + '.') "
        "for m, v in _s.modules.items() if v is not None)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code + report],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("loaded:"))
    return set(filter(None, line.removeprefix("loaded:").split(",")))


def test_importing_the_sync_command_loads_none_of_them() -> None:
    """Starting `sync` (which imports the sync engine, reader and connection) stays lean."""
    assert loaded_after("import clientsuccess_connector.cli.sync") == set()


def test_a_plain_sync_loads_none_of_them(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """A whole sync run into DuckDB, output not a terminal, loads none of them either."""
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}"
    code = (
        "from clientsuccess_connector.cli import cli\n"
        "try:\n"
        f"    cli.main(['--quiet', 'sync', '--stream', 'clients', '--destination', {url!r}],\n"
        "             prog_name='clientsuccess-connector')\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
    )
    assert loaded_after(code, simulator.env()) == set()
    assert (tmp_path / "cs.duckdb").exists()


def test_help_loads_none_of_them() -> None:
    """`--help` lists the commands without loading any of them."""
    code = (
        "from clientsuccess_connector.cli import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='clientsuccess-connector')\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
    )
    assert loaded_after(code) == set()


def test_templates_loads_neither_the_http_client_nor_a_destination() -> None:
    """Listing the catalogue needs the catalogue only."""
    code = (
        "from clientsuccess_connector.cli import cli\n"
        "try:\n"
        "    cli.main(['templates'], prog_name='clientsuccess-connector')\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
    )
    heavy = ["httpx", "duckdb", "pyarrow", *NOT_FOR_A_PLAIN_SYNC]
    assert loaded_after(code, watched=heavy) == set()


def test_a_flow_file_still_loads_its_schema(tmp_path: Path) -> None:
    """The other side: the feature that needs a library still gets it (here, a flow file)."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("sources:\n  pulses:\n    template: search_pulses\n")
    code = f"from clientsuccess_connector.config.flow import load_flow\nload_flow({str(flow)!r})\n"
    assert {"pydantic", "clientsuccess_connector.config.flow"} <= loaded_after(code)
