"""pyproject.toml publishes what users install, and keeps the developer tools out of it."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_dev_tools_are_a_dependency_group_not_a_published_extra() -> None:
    """`dev` is a PEP 735 group (never in the wheel's metadata); `make venv` installs it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "dev" not in project["project"]["optional-dependencies"]
    tools = " ".join(project["dependency-groups"]["dev"])
    assert "pytest" in tools and "mypy" in tools and "ruff" in tools
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--group dev" in makefile and "[dev]" not in makefile
