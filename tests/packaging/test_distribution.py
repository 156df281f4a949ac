"""The wheel and sdist a user installs: built, checked, installed into a fresh venv and run.

The base install (no extras) must read and sync into DuckDB; each feature that needs an extra
must say which one to install, in one line with exit 2, instead of a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
import pytest

from clientsuccess_connector.simulator import SimulatorHandle

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(900)


@dataclass(frozen=True)
class Built:
    """The distributions built from this checkout and a fresh venv holding the wheel alone."""

    wheel: Path
    sdist: Path
    venv_bin: Path

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the installed command with a clean environment (no CLIENTSUCCESS_* leaking in)."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTSUCCESS_")}
        return subprocess.run(
            [str(self.venv_bin / "clientsuccess-connector"), *args],
            capture_output=True,
            text=True,
            env={**base, "NO_COLOR": "1", **(env or {})},
            timeout=300,
            check=False,
        )


def _run(*cmd: str | Path, cwd: Path | None = None) -> None:
    done = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, cwd=cwd, check=False
    )
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """`python -m build`, `twine check`, then the wheel installed into a new venv without extras."""
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--wheel", "--sdist", "--outdir", out, ROOT, cwd=ROOT)
    wheel = next(out.glob("*.whl"))
    sdist = next(out.glob("*.tar.gz"))
    _run(sys.executable, "-m", "twine", "check", "--strict", wheel, sdist)
    venv = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", venv)
    _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel)
    yield Built(wheel, sdist, venv / "bin")


def test_the_wheel_ships_the_package_typed_and_licensed(built: Built) -> None:
    """The wheel carries py.typed, the endpoint catalogue and the licence; no tests or venvs."""
    names = zipfile.ZipFile(built.wheel).namelist()
    assert "clientsuccess_connector/py.typed" in names
    assert "clientsuccess_connector/catalog/templates.yaml" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert not any(n.startswith(("tests/", ".venv/", "bench/")) for n in names)


def test_the_sdist_carries_sources_docs_and_tests(built: Built) -> None:
    """The sdist rebuilds the project: sources, docs, tests and the licence are in it."""
    with tarfile.open(built.sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert {
        "pyproject.toml",
        "LICENSE",
        "README.md",
        "src/clientsuccess_connector/py.typed",
    } <= names
    assert any(n.startswith("docs/") for n in names)
    assert any(n.startswith("tests/") for n in names)


def test_the_base_install_lists_templates_and_syncs_into_duckdb(
    built: Built, shared_simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """Without extras, a user can list templates and sync the default streams into DuckDB."""
    listed = built.run("templates", "--json")
    assert listed.returncode == 0, listed.stderr
    assert "search_pulses" in listed.stdout
    target = tmp_path / "base.duckdb"
    synced = built.run(
        "sync", "--stream", "clients", "--destination", f"duckdb:///{target}",
        env=shared_simulator.env(),
    )  # fmt: skip
    assert synced.returncode == 0, synced.stderr
    with duckdb.connect(str(target), read_only=True) as con:
        row = con.execute("select count(*) from clients").fetchone()
    assert row is not None
    assert row[0] == shared_simulator.store.count("clients")


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (
            ["sync", "--stream", "clients", "--destination", "postgresql://u@127.0.0.1:1/db"],
            "postgres",
        ),
        (["simulate", "--port", "0"], "simulator"),
        (["demo"], "simulator"),
        (["studio", "--no-browser"], "studio"),
        (["test", "--url", "https://example.invalid/x.xml", "--data-path", "/r/item"], "xml"),
    ],
    ids=["postgres", "simulate", "demo", "studio", "xml"],
)
def test_a_feature_without_its_extra_names_the_extra_to_install(
    built: Built, args: list[str], extra: str
) -> None:
    """A feature whose library is not installed is exit 2 with the pip command, no traceback."""
    done = built.run(*args, env={"CLIENTSUCCESS_API_KEY": "k" * 20})
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert f"pip install 'clientsuccess-connector[{extra}]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_the_base_install_is_a_singer_tap(
    built: Built, shared_simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """`tap-clientsuccess-connector` is installed and discovers the streams without extras."""
    config = tmp_path / "config.json"
    config.write_text(
        f'{{"base_url": "{shared_simulator.api_v1_url}", "api_key": "{shared_simulator.api_key}"}}'
    )
    done = subprocess.run(
        [str(built.venv_bin / "tap-clientsuccess-connector"), "--config", str(config),
         "--discover"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"tap_stream_id": "pulses"' in done.stdout


def test_the_dlt_source_without_its_extra_names_the_extra(built: Built) -> None:
    """Importing the dlt source without dlt installed says which extra to install."""
    code = "from clientsuccess_connector.dlt import clientsuccess_source"
    done = subprocess.run([str(built.venv_bin / "python"), "-c", code], capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 1
    assert "pip install 'clientsuccess-connector[dlt]'" in done.stderr


def test_the_postgres_extra_syncs_into_postgresql(
    built: Built,
    shared_simulator: SimulatorHandle,
    postgres_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """`pip install 'clientsuccess-connector[postgres]'` alone is enough to sync into PostgreSQL."""
    venv = tmp_path_factory.mktemp("venv-postgres")
    _run(sys.executable, "-m", "venv", venv)
    _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", f"{built.wheel}[postgres]")
    with_postgres = Built(built.wheel, built.sdist, venv / "bin")
    synced = with_postgres.run(
        "sync", "--stream", "clients", "--destination", postgres_url, env=shared_simulator.env()
    )
    assert synced.returncode == 0, synced.stderr
    schema = postgres_url.rsplit("schema=", 1)[1]
    base = postgres_url.split("?", 1)[0]
    with psycopg.connect(base) as con:
        row = con.execute(f'select count(*) from "{schema}".clients').fetchone()
    assert row is not None
    assert row[0] == shared_simulator.store.count("clients")
