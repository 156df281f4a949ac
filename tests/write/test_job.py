"""WriteJob: one list of write options, parsed once from a flow file and merged with flags."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from clientsuccess_connector.config.flow import parse_flow
from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.write import WriteJob, write_records


def _flow(entry: str, tmp_path: Path) -> WriteJob:
    text = "writes:\n  health:\n" + "".join(f"    {line}\n" for line in entry.splitlines())

    flow = parse_flow(yaml.safe_load(text), path=tmp_path / "flow.yaml", env={})
    return flow.writes["health"]


def test_flow_entry_becomes_a_job_with_paths_from_the_flow_folder(tmp_path: Path) -> None:
    """A `writes:` entry is parsed once into a WriteJob; relative paths follow the flow file."""
    job = _flow(
        "template: create_pulse\ninput: in.csv\nmap: {note: comment}\nset: {score: 3}\n"
        "batch_size: 10\nresults: out.jsonl\nretry_unknown: true",
        tmp_path,
    )
    assert job == WriteJob(
        "create_pulse", input=str(tmp_path / "in.csv"), mapping={"note": "comment"},
        constants={"score": 3}, batch_size=10, results=tmp_path / "out.jsonl",
        retry_unknown=True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "template: create_pulse\ninput: a.csv\nmaps: {}",
            r"key\(s\) maps \(did you mean map\?\); known: template",
        ),
        ("template: create_pulse", "needs `input:`"),
        ("template: create_pulse\ninput: a.csv\nbatch_size: ten", "batch_size must be a whole"),
        ("template: create_pulse\ninput: a.csv\nset: [1]", "writes.health.set must be a mapping"),
        ("template: create_pulse\ninput: a.csv\ndry_run: maybe", "dry_run must be true or false"),
    ],
)
def test_bad_entries_name_the_key(entry: str, message: str, tmp_path: Path) -> None:
    """Every mistake in a `writes:` entry names the entry, the key and what is expected."""
    with pytest.raises(ConfigError, match=message):
        _flow(entry, tmp_path)


def test_flags_merge_over_an_entry() -> None:
    """Flags change only what they name: one `map` field, the batch size; None keeps the rest."""
    job = WriteJob("create_pulse", input="a.csv", mapping={"note": "c", "clientId": "id"})
    merged = job.merged(mapping={"note": "text"}, batch_size=5, results=None, dry_run=None)
    assert merged.mapping == {"note": "text", "clientId": "id"}
    assert (merged.batch_size, merged.results, merged.dry_run) == (5, None, False)


def test_the_library_prints_nothing(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A dry run without a reporter logs its requests instead of printing them."""
    offline = Connection(ConnectionSettings(base_url="http://127.0.0.1:9/api/v1", api_key="k"))
    with caplog.at_level(logging.INFO, logger="clientsuccess_connector"):
        summary = write_records(
            offline, WriteJob("create_pulse", dry_run=True), [{"clientId": 1, "note": "n"}]
        )
    assert summary.ok == 1
    assert capsys.readouterr() == ("", "")
    assert any("POST" in r.getMessage() for r in caplog.records)


def test_library_messages_name_fields_and_the_cli_adds_flags() -> None:
    """The library says `batch_size`; the command line shows which flag sets it."""
    from clientsuccess_connector.cli.write_options import with_flags as _with_flags

    with pytest.raises(ConfigError) as caught:
        write_records(Connection(ConnectionSettings(base_url="http://x")),
                      WriteJob("create_pulse", batch_size=0), [])  # fmt: skip
    assert "`batch_size`" in str(caught.value)
    assert "`batch_size` (--batch-size)" in _with_flags(str(caught.value))
