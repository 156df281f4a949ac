"""Measure what each install of the package weighs: a fresh venv per extra, from the built wheel.

    .venv/bin/python scripts/install_sizes.py [--extras base,postgres,...]

Prints a Markdown table (MB on disk of the venv's site-packages, pip and setuptools excluded)
for docs/install.md. Needs `build` (in the dev extra) and network access to PyPI or a cache.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ("base", "postgres", "xml", "simulator", "studio", "dlt", "all")
NOT_OURS = ("pip", "setuptools", "_distutils_hack", "distutils-precedence.pth")


def _size_mb(site: Path) -> float:
    total = 0
    for path in site.iterdir():
        if path.name.split("-")[0] in NOT_OURS:
            continue
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        total += sum(p.stat().st_size for p in files)
    return total / 1e6


def measure(wheel: Path, extra: str, work: Path) -> float:
    """MB of site-packages after `pip install wheel[extra]` into a new venv."""
    venv = work / f"venv-{extra}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    target = str(wheel) if extra == "base" else f"{wheel}[{extra}]"
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", target]
    subprocess.run(pip, check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    return _size_mb(site)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extras", default=",".join(EXTRAS), help="comma-separated extras")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build = [sys.executable, "-m", "build", "--wheel", "--outdir", str(work), str(ROOT)]
        subprocess.run(build, check=True, capture_output=True)
        wheel = next(work.glob("*.whl"))
        print("| install | size on disk (MB) |\n|---|---|")
        for extra in args.extras.split(","):
            name = "`clientsuccess-connector`" if extra == "base" else f"`[{extra}]`"
            print(f"| {name} | {measure(wheel, extra, work):.0f} |", flush=True)


if __name__ == "__main__":
    main()
