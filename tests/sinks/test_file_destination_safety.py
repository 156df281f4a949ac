"""File destinations stay whole: one writer at a time, merges within the memory budget,
stream names that cannot escape or collide with the destination's own files, and nothing
deleted that the destination did not create."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.sinks import open_sink


def sync(sim: SimulatorHandle, destination: str, *args: str) -> Any:
    return CliRunner().invoke(
        cli, ["sync", "--destination", destination, "-q", *args], env=sim.env()
    )


def test_a_second_sync_into_a_folder_in_use_is_refused_and_loses_nothing(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    url = f"jsonl:///{tmp_path / 'out'}"
    with open_sink(url) as other:  # another sync holds the folder
        other.write_batch("clients", [{"id": -1, "name": "from the other run"}], ["id"])
        refused = sync(simulator, url, "--stream", "clients")
        assert refused.exit_code == 2, refused.output
        assert "in use" in refused.output
    done = sync(simulator, url, "--stream", "clients")
    assert done.exit_code == 0, done.output
    with open_sink(url) as sink:
        ids = {r["id"] for r in sink.read_rows("clients")}
    expected = {int(r["id"]) for r in simulator.store.records("clients")}
    assert ids == expected | {-1}


@pytest.mark.parametrize("name", [".", "..", ".tmp", ".hidden", "a/b", "a\\b", "x" * 201])
def test_stream_names_that_would_be_dot_files_or_paths_are_refused(
    tmp_path: Path, name: str
) -> None:
    with open_sink(f"jsonl:///{tmp_path}") as sink, pytest.raises(ConfigError, match="stream"):
        sink.write_batch(name, [{"id": 1}], ["id"])


def test_committed_parts_survive_a_killed_run_whatever_the_stream_names(tmp_path: Path) -> None:
    url = f"jsonl:///{tmp_path}"
    killed = (
        "import os, sys\n"
        "from clientsuccess_connector.sinks import open_sink\n"
        "sink = open_sink(sys.argv[1])\n"
        "sink.write_batch('tmp', [{'id': 1}], ['id'])\n"
        "sink.write_batch('notes', [{'id': 2}], ['id'])\n"
        "os.kill(os.getpid(), 9)\n"
    )
    run = subprocess.run([sys.executable, "-c", killed, url], check=False)
    assert run.returncode == -signal.SIGKILL
    with open_sink(url) as sink:
        assert [r["id"] for r in sink.read_rows("tmp")] == [1]
        assert [r["id"] for r in sink.read_rows("notes")] == [2]


def test_unrelated_temporary_files_in_the_folder_are_left_alone(tmp_path: Path) -> None:
    mine = [tmp_path / ".report.tmp", tmp_path / ".notes.tmp", tmp_path / "keep.tmp"]
    for path in mine:
        path.write_text("not the destination's")
    with open_sink(f"jsonl:///{tmp_path}") as sink:
        sink.write_batch("notes", [{"id": 1}], ["id"])
    assert all(p.read_text() == "not the destination's" for p in mine)


def wide(i: int) -> dict[str, Any]:
    """A record shaped like a contract: 30 scalar fields and kilobytes of nested JSON."""
    record: dict[str, Any] = {"id": i, "modifiedTime": "2024-03-01T12:00:00.000Z"}
    record["name"] = f"contract {i}" * 3
    record.update({f"f{k}": (i * k if k % 3 else f"text {k} {i}") for k in range(30)})
    record["items"] = [
        {"sku": f"s{j}", "qty": j, "price": j * 1.5, "meta": {"a": "x" * 40}} for j in range(15)
    ]
    record["custom"] = {f"c{j}": f"value {j}" for j in range(20)}
    return record


def test_a_large_stream_updates_within_the_memory_budget(tmp_path: Path) -> None:
    url = f"jsonl:///{tmp_path}"
    with open_sink(url) as sink:
        for start in range(0, 12_000, 4_000):
            sink.write_batch("contracts", [wide(i) for i in range(start, start + 4_000)], ["id"])
    with open_sink(url) as sink:  # the second sync merges one change into the large file
        sink.write_batch("contracts", [{**wide(7), "f1": "changed"}], ["id"])
    lines = (tmp_path / "contracts.jsonl").read_text().splitlines()
    assert len(lines) == 12_000
    assert sum('"f1":"changed"' in line for line in lines) == 1


def test_memory_limit_in_a_file_destination_url_is_honoured(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="memory_limit"):
        open_sink(f"jsonl:///{tmp_path}?memory_limit=lots")
