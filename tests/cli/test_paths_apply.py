"""`paths --apply` writes a suggested path into a flow file, keeping the rest of the file."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle

FLOW = """\
# my notes flow: keep this comment
destination: duckdb:///notes.duckdb
sources:
  notes:                       # a manual endpoint
    url: /clientNote/search    # the search route
    primary_key: [id]
  clients: {template: search_clients}
"""


def paths(sim: SimulatorHandle, *args: str) -> Result:
    return CliRunner().invoke(cli, ["paths", *args], env=sim.env())


def test_plain_output_ends_with_a_ready_to_paste_option(shared_simulator: SimulatorHandle) -> None:
    """The best data path is printed as an option, quoted for the shell, numbered listings."""
    result = paths(shared_simulator, "search_client_notes")
    assert result.exit_code == 0, result.output
    assert "ready to paste: --data-path '$.data[*]'" in result.stdout
    assert any(line.split()[:2] == ["1", "$.data[*]"] for line in result.stdout.splitlines())


def test_apply_writes_the_data_path_and_keeps_comments(
    shared_simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """`--apply` sets `data_path`, `--metadata` sets `metadata_path`; comments and keys stay."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(FLOW, encoding="utf-8")
    flow.chmod(0o600)
    first = paths(shared_simulator, "--flow", str(flow), "notes", "--apply")
    assert first.exit_code == 0, first.output
    assert "sources.notes.data_path = $.data[*]" in first.stdout
    second = paths(shared_simulator, "--flow", str(flow), "notes", "--apply", "--metadata")
    assert second.exit_code == 0, second.output
    text = flow.read_text(encoding="utf-8")
    for kept in ("# my notes flow: keep this comment", "# a manual endpoint",
                 "# the search route", "clients: {template: search_clients}"):  # fmt: skip
        assert kept in text
    doc = yaml.safe_load(text)
    assert doc["sources"]["notes"] == {
        "url": "/clientNote/search", "primary_key": ["id"], "data_path": "$.data[*]",
        "metadata_path": "$.totalElements",
    }  # fmt: skip
    assert stat.S_IMODE(flow.stat().st_mode) == 0o600
    synced = CliRunner().invoke(cli, ["test", "--flow", str(flow), "notes", "--limit", "1",
                                      "--format", "json"], env=shared_simulator.env())  # fmt: skip
    assert synced.exit_code == 0 and '"_metadata"' in synced.stdout


def test_pick_chooses_another_suggestion(shared_simulator: SimulatorHandle, tmp_path: Path) -> None:
    """`--pick 3` writes the third data suggestion; one past the list is exit 2, file untouched."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(FLOW, encoding="utf-8")
    listed = paths(shared_simulator, "--flow", str(flow), "notes", "--format", "jsonl")
    third = [line for line in listed.stdout.splitlines() if '"kind":"data"'
             in line][2]  # fmt: skip
    applied = paths(shared_simulator, "--flow", str(flow), "notes", "--apply", "--pick", "3")
    assert applied.exit_code == 0, applied.output
    written = yaml.safe_load(flow.read_text(encoding="utf-8"))["sources"]["notes"]["data_path"]
    assert f'"path":"{written}"' in third
    before = flow.read_text(encoding="utf-8")
    wrong = paths(shared_simulator, "--flow", str(flow), "notes", "--apply", "--pick", "99")
    assert wrong.exit_code == 2 and "--pick 99" in wrong.output and "pick 1 to" in wrong.output
    assert flow.read_text(encoding="utf-8") == before


def test_apply_needs_a_flow_and_a_source(shared_simulator: SimulatorHandle, tmp_path: Path) -> None:
    """Without --flow FILE NAME, `--apply` is exit 2 saying what to add."""
    result = paths(shared_simulator, "search_client_notes", "--apply")
    assert result.exit_code == 2 and "--apply needs --flow FILE and a source NAME" in result.output


def test_apply_with_url_adds_a_new_source(
    shared_simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A source the flow lacks is created from --url, with the chosen path."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(FLOW, encoding="utf-8")
    result = paths(shared_simulator, "--flow", str(flow), "pulses", "--url", "/pulse/search",
                   "--apply")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(flow.read_text(encoding="utf-8"))
    assert doc["sources"]["pulses"] == {"url": "/pulse/search", "data_path": "$.data[*]"}
    assert "# my notes flow: keep this comment" in flow.read_text(encoding="utf-8")
