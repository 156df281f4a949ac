"""The docs keep up with the code: generated pages are current, every command has help."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click

from clientsuccess_connector.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def test_generated_docs_are_current() -> None:
    """docs/templates.md and docs/cli-reference.md match the catalogue and --help."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_every_command_has_help_and_docs() -> None:
    """Every command says what it does, and the README links every doc page."""
    assert isinstance(cli, click.Group)
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None, f"command {name} does not load"
        assert command.name == name
        assert command.help and len(command.help) > 30, name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{page.name}" in readme, f"README does not link docs/{page.name}"


def test_the_template_count_in_the_docs_is_the_catalogues() -> None:
    """Every "N templates" the docs state is the number `templates` lists."""
    from clientsuccess_connector.catalog import catalog

    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    stated = [
        (page.name, int(match.group(1)))
        for page in pages
        for match in re.finditer(r"\ball (\d+) templates\b", page.read_text(encoding="utf-8"))
    ]
    assert stated, "no page states how many templates there are"
    for page, count in stated:
        assert count == len(catalog()), f"{page} says {count} templates; there are {len(catalog())}"
