"""The tap as Meltano expects it: deletes through ACTIVATE_VERSION after a proven full read,
--about, METRIC lines, nested schemas with properties and items, no record written twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.singer.repeats import Repeats
from tests.singer.test_tap import messages, tap

Table = dict[str, dict[Any, tuple[dict[str, Any], int | None]]]


def land(parsed: list[dict[str, Any]], table: Table) -> Table:
    """What a versioning target (the Meltano SDK's) keeps: rows by key, with their version; an
    ACTIVATE_VERSION drops the rows of older versions (or none)."""
    for message in parsed:
        stream = message.get("stream", "")
        if message["type"] == "RECORD":
            record = message["record"]
            table.setdefault(stream, {})[record["id"]] = (record, message.get("version"))
        elif message["type"] == "ACTIVATE_VERSION":
            rows = table.get(stream, {})
            table[stream] = {
                k: v for k, v in rows.items() if v[1] is not None and v[1] >= message["version"]
            }
    return table


def last_state(parsed: list[dict[str, Any]], path: Path) -> Path:
    """The last STATE value, written where --state reads it."""
    path.write_text(json.dumps([m for m in parsed if m["type"] == "STATE"][-1]["value"]))
    return path


def test_a_full_refresh_tells_the_target_what_was_deleted(
    simulator: SimulatorHandle, tap_config: Path, tmp_path: Path
) -> None:
    """First run: records carry a table version, ACTIVATE_VERSION ends each provable stream.
    An incremental run keeps that version and activates nothing; a later full read (no state,
    as after `meltano run --full-refresh`) drops the deleted record at the target."""
    first = messages(tap("--config", str(tap_config)))
    activated = {m["stream"]: m["version"] for m in first if m["type"] == "ACTIVATE_VERSION"}
    assert {"clients", "contacts", "client_notes"} <= set(activated)
    notes = [m for m in first if m["type"] == "RECORD" and m["stream"] == "client_notes"]
    assert {m["version"] for m in notes} == {activated["client_notes"]}
    state = last_state(first, tmp_path / "state.json")
    bookmark = json.loads(state.read_text())["bookmarks"]["client_notes"]
    assert bookmark["version"] == activated["client_notes"]
    table = land(first, {})

    gone = simulator.store.records("client_notes")[0]["id"]
    assert simulator.store.delete("client_notes", gone)
    later = messages(tap("--config", str(tap_config), "--state", str(state)))
    assert not [m for m in later if m["type"] == "ACTIVATE_VERSION"]
    versions = {m["version"] for m in later if m["type"] == "RECORD" and m["stream"] == "clients"}
    assert versions <= {activated["clients"]}
    table = land(later, table)
    assert gone in table["client_notes"]  # an incremental read cannot see a deletion

    full = messages(tap("--config", str(tap_config)))
    renewed = {m["stream"]: m["version"] for m in full if m["type"] == "ACTIVATE_VERSION"}
    assert renewed["client_notes"] > activated["client_notes"]
    table = land(full, table)
    assert gone not in table["client_notes"]
    assert set(table["client_notes"]) == {r["id"] for r in simulator.store.records("client_notes")}


def test_a_filtered_stream_never_activates_a_version(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A read narrowed by a filter cannot prove a record deleted: no version, no activation."""
    client = simulator.store.records("clients")[0]["id"]
    flow = tmp_path / "flow.yaml"
    flow.write_text(f"sources:\n  pulses_one:\n    template: search_pulses\n"
                    f"    params: {{clientId: {client}}}\n")  # fmt: skip
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"base_url": simulator.api_v1_url,
                                  "api_key": simulator.api_key, "flow": str(flow)}))  # fmt: skip
    parsed = messages(tap("--config", str(config)))
    assert not [m for m in parsed if m["type"] == "ACTIVATE_VERSION"]
    assert all("version" not in m for m in parsed if m["type"] == "RECORD")


def test_metric_lines_count_records_and_time_requests(tap_config: Path) -> None:
    """stderr carries Singer METRIC lines: a record count per stream that matches its RECORD
    messages, and one timed request per request sent."""
    result = tap("--config", str(tap_config))
    parsed = messages(result)
    lines = [line for line in result.stderr.splitlines() if line.startswith("INFO METRIC: ")]
    points = [json.loads(line.split("METRIC: ", 1)[1]) for line in lines]
    counts = {p["tags"]["stream"]: p["value"] for p in points if p["metric"] == "record_count"}
    for stream, count in counts.items():
        assert count == sum(1 for m in parsed if m["type"] == "RECORD" and m["stream"] == stream)
    assert len(counts) == 6
    timers = [p for p in points if p["metric"] == "http_request_duration"]
    assert timers and all(p["type"] == "timer" and p["value"] >= 0 for p in timers)
    assert {p["tags"]["status"] for p in timers} == {"succeeded"}
    quiet = tap("--config", str(tap_config), "--no-metrics")
    assert "METRIC" not in quiet.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_about_lists_capabilities_and_settings(fmt: str) -> None:
    """--about needs no config and names the capabilities and every setting, secrets marked."""
    result = tap("--about", "--format", fmt)
    assert result.exit_code == 0, result.output
    for word in ("activate-version", "discover", "base_url", "api_key", "max_concurrency"):
        assert word in result.stdout
    if fmt == "json":
        about = json.loads(result.stdout)
        assert about["name"] == "tap-clientsuccess-connector"
        assert about["settings"]["properties"]["api_key"]["secret"] is True
        assert "state" in about["capabilities"]


def test_schemas_describe_nested_values_and_type_null_only_fields(tap_config: Path) -> None:
    """Objects have properties, arrays items, and no field is left untyped."""
    catalog = json.loads(tap("--config", str(tap_config), "--discover").stdout)
    schemas = {e["stream"]: e["schema"]["properties"] for e in catalog["streams"]}

    def check(schema: dict[str, Any], where: str) -> None:
        assert schema.get("type"), f"{where} has no type"
        if "object" in schema["type"]:
            assert "properties" in schema, where
            for name, sub in schema["properties"].items():
                check(sub, f"{where}.{name}")
        if "array" in schema["type"]:
            assert "items" in schema, where
            check(schema["items"], f"{where}[]")

    for stream, props in schemas.items():
        for name, schema in props.items():
            check(schema, f"{stream}.{name}")
    assert "object" in schemas["clients"]["custom"]["type"]
    assert "array" in schemas["contracts"]["items"]["type"]


def test_a_record_is_written_once_per_content() -> None:
    """A record re-read unchanged is dropped; a changed one is a new version and kept."""
    repeats = Repeats(["id"])
    first = [{"id": 1, "a": 1}, {"id": 2, "a": 1}]
    assert list(repeats.new(first)) == first
    again = [{"id": 1, "a": 1}, {"id": 2, "a": 2}]
    assert list(repeats.new(again)) == [{"id": 2, "a": 2}]


def test_a_run_writes_no_record_twice(tap_config: Path) -> None:
    """Within one run each (stream, id, content) is one RECORD message."""
    parsed = messages(tap("--config", str(tap_config)))
    seen = [(m["stream"], json.dumps(m["record"], sort_keys=True))
            for m in parsed if m["type"] == "RECORD"]  # fmt: skip
    assert len(seen) == len(set(seen))
