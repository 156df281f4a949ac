"""docs/writing.md states each write template's guarantee, as the code decides it."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from clientsuccess_connector.catalog import catalog
from clientsuccess_connector.cli import cli
from clientsuccess_connector.write.guarantees import guarantee

WRITING = Path(__file__).resolve().parents[2] / "docs" / "writing.md"


def documented() -> dict[str, str]:
    """Template -> the guarantee its row of the guarantees table states."""
    text = WRITING.read_text(encoding="utf-8")
    table = text.split("| template | guarantee | what makes it hold |", 1)[1].split("\n\n", 1)[0]
    stated: dict[str, str] = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        for name in re.findall(r"`([a-z0-9_]+)`", cells[0]):
            stated[name] = cells[1]
    return stated


def test_every_write_template_has_its_guarantee_in_writing_md() -> None:
    """Each write template is in the table, with the guarantee `guarantee()` gives it."""
    stated = documented()
    writes = [t for t in catalog().values() if t.kind == "write"]
    assert sorted(stated) == sorted(t.name for t in writes)
    for template in writes:
        assert stated[template.name].startswith(guarantee(template)[0]), template.name


def test_one_template_of_each_guarantee() -> None:
    """A note has no natural key, a pulse has its uuid, a declared PATCH is idempotent."""
    assert guarantee(catalog()["create_client_note"])[0] == "at most once"
    assert guarantee(catalog()["create_pulse"])[0] == "exactly once"
    assert guarantee(catalog()["patch_contact"])[0] == "at least once"


def test_templates_name_shows_the_guarantee() -> None:
    """`templates create_client_note` says it is at most once, and why."""
    shown = CliRunner().invoke(cli, ["templates", "create_client_note"]).output
    assert "guarantee: at most once (no natural key to look a record up by" in shown
