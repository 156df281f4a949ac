"""A full disk is a one-line error naming what could not be written, never "this is a bug".

Each case runs on a small tmpfs mounted for the test (root only; skipped cleanly elsewhere)
and fills it up at the moment that matters.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.errors import StorageError
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.sinks import open_sink

BIG_NOTE = "n" * 4000


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs at a fresh path, unmounted afterwards."""
    where = tmp_path / "disk"
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path, leave: int = 0) -> None:
    """Take every free byte of `disk` but `leave`."""
    filler = disk / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as fh:
        while True:
            fh.write(b"\0" * 4096)
            fh.flush()
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))


def records(count: int, start: int = 0) -> list[dict[str, object]]:
    return [{"id": n, "clientId": n % 7, "note": BIG_NOTE + str(n)} for n in range(start, count)]


def test_duckdb_on_a_full_disk_says_the_disk_is_full(small_disk: Path) -> None:
    """Not "cannot rollback - no transaction is active": the first error, named."""
    url = f"duckdb:///{small_disk}/out.duckdb"
    sink = open_sink(url)
    try:
        sink.write_batch("notes", records(10), ["id"])
        fill(small_disk)
        with pytest.raises(StorageError, match="disk is full") as info:
            sink.write_batch("notes", records(2000, 10), ["id"])
        assert "out.duckdb" in str(info.value)
        assert "rollback" not in str(info.value)
    finally:
        with contextlib.suppress(StorageError):
            sink.close()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_file_destination_on_a_full_disk_says_the_disk_is_full(
    small_disk: Path, fmt: str
) -> None:
    """Writing a batch or merging the stream's file on close: a StorageError either way."""
    sink = open_sink(f"{fmt}:///{small_disk}/out")
    try:
        sink.write_batch("notes", records(200), ["id"])
        fill(small_disk)
        with pytest.raises(StorageError, match="disk is full"):
            sink.write_batch("notes", records(400, 200), ["id"])
            sink.close()
    finally:
        with contextlib.suppress(StorageError):
            sink.close()


def test_parts_a_full_disk_left_unmerged_are_merged_by_the_next_run(small_disk: Path) -> None:
    """Committed parts a full disk kept out of the output file stayed out until the stream
    next changed, while runs in between said ok."""
    url = f"jsonl:///{small_disk}/out"
    sink = open_sink(url)
    sink.write_batch("notes", records(50), ["id"])
    fill(small_disk)
    with pytest.raises(StorageError, match="disk is full"):
        sink.close()
    (small_disk / "filler").unlink()
    open_sink(url).close()  # a run that found nothing new
    lines = (small_disk / "out" / "notes.jsonl").read_text().splitlines()
    assert len(lines) == 50


def test_a_results_ledger_on_a_full_disk_is_a_one_line_error(
    small_disk: Path, tmp_path: Path, simulator: SimulatorHandle
) -> None:
    """`write` stops with exit 1, naming the results file and how to resume."""
    rows = tmp_path / "pulses.csv"
    rows.write_text("clientId,type,note\n" + "".join(f"1,Email,{BIG_NOTE}{n}\n" for n in range(60)))
    results = small_disk / "results.jsonl"
    fill(small_disk, leave=8192)  # room for the header line and a few rows
    result = CliRunner().invoke(
        cli,
        ["write", "create_pulse", "--input", str(rows), "--results", str(results)],
        env=simulator.env(),
    )
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1
    assert "results file" in lines[0] and "disk is full" in lines[0]
    assert "this is a bug" not in result.output


def test_a_results_file_that_is_a_device_is_refused(
    tmp_path: Path, simulator: SimulatorHandle
) -> None:
    """`--results /dev/full` used to be read without end; now it is a usage error."""
    rows = tmp_path / "pulses.csv"
    rows.write_text("clientId,type,note\n1,Email,hello\n")
    result = CliRunner().invoke(
        cli,
        ["write", "create_pulse", "--input", str(rows), "--results", "/dev/full"],
        env=simulator.env(),
    )
    assert result.exit_code == 2, result.output
    assert "is not a regular file" in result.output
