"""Separate virtual environments for the peers, made and filled by the bench itself.

dlt and airbyte-cdk pin packages that clash with ours, so each lives in `.bench-venvs/NAME`
(git-ignored), installed from `bench/requirements-NAME.txt`. A stamp holding the hash of the
requirements file makes later runs skip the install.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from bench.common import ROOT

VENVS = ROOT / ".bench-venvs"
BENCH = ROOT / "bench"


def ensure(name: str) -> Path:
    """The python of `.bench-venvs/NAME`, created and installed when missing or stale."""
    requirements = BENCH / f"requirements-{name}.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    venv = VENVS / name
    python = venv / "bin" / "python"
    stamp = venv / ".bench-installed"
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return python
    VENVS.mkdir(exist_ok=True)
    (VENVS / ".gitignore").write_text("*\n")
    print(f"[bench] installing {requirements.name} into {venv} (once) ...", flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    log = venv / "install.log"
    with log.open("w") as fh:
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-r", str(requirements)],
            stdout=fh, stderr=subprocess.STDOUT, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"installing {requirements} failed; see {log}")
    stamp.write_text(digest + "\n")
    return python


def version(python: Path, package: str) -> str:
    """The installed version of `package` in the interpreter's environment."""
    code = f"import importlib.metadata as m; print(m.version({package!r}))"
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "?"
