"""`docs [TOPIC]` prints the documentation that ships with the package."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from click.testing import CliRunner

from clientsuccess_connector.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def test_docs_lists_every_page_whole() -> None:
    """Without a topic, every page is listed with its title."""
    result = CliRunner().invoke(cli, ["docs", "--format", "json"])
    assert result.exit_code == 0, result.output
    topics = {row["topic"] for row in json.loads(result.stdout)}
    assert topics == {page.stem for page in (ROOT / "docs").glob("*.md")}


def test_docs_topic_prints_the_page() -> None:
    """`docs flows` prints docs/flows.md as it is."""
    result = CliRunner().invoke(cli, ["docs", "flows"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (ROOT / "docs" / "flows.md").read_text(encoding="utf-8")


def test_an_unknown_topic_lists_the_topics() -> None:
    """A wrong topic is exit 2 with the topics there are."""
    result = CliRunner().invoke(cli, ["docs", "flow"])
    assert result.exit_code == 2
    assert "no documentation topic 'flow'" in result.output and "flows" in result.output


def test_every_page_ships_inside_the_wheel() -> None:
    """pyproject force-includes every docs/*.md into the package, so pip users have them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert included.get(f"docs/{page.name}") == f"clientsuccess_connector/docs/{page.name}"
