"""The Singer tap speaks the spec: catalog, selection, messages, bookmarks, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle
from tests.integration.simulator_changes import DEFAULT_STREAMS

REPLICATION_KEYS = {"pulses": "createdTimestamp"}  # the others: modifiedTime

# The Singer spec's messages (github.com/singer-io/getting-started, SPEC.md), as JSON Schema.
_STRINGS = {"type": "array", "items": {"type": "string"}}
MESSAGE_SCHEMAS: dict[str, dict[str, Any]] = {
    "SCHEMA": {
        "type": "object",
        "required": ["type", "stream", "schema", "key_properties"],
        "properties": {
            "type": {"const": "SCHEMA"}, "stream": {"type": "string", "minLength": 1},
            "schema": {"type": "object"}, "key_properties": _STRINGS,
            "bookmark_properties": _STRINGS,
        },
        "additionalProperties": False,
    },
    "RECORD": {
        "type": "object",
        "required": ["type", "stream", "record"],
        "properties": {
            "type": {"const": "RECORD"}, "stream": {"type": "string", "minLength": 1},
            "record": {"type": "object"}, "version": {"type": "integer"},
            "time_extracted": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    "ACTIVATE_VERSION": {
        "type": "object",
        "required": ["type", "stream", "version"],
        "properties": {
            "type": {"const": "ACTIVATE_VERSION"}, "stream": {"type": "string", "minLength": 1},
            "version": {"type": "integer"},
        },
        "additionalProperties": False,
    },
    "STATE": {
        "type": "object",
        "required": ["type", "value"],
        "properties": {"type": {"const": "STATE"}, "value": {"type": "object"}},
        "additionalProperties": False,
    },
}  # fmt: skip
CATALOG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["streams"],
    "properties": {"streams": {"type": "array", "items": {
        "type": "object",
        "required": ["tap_stream_id", "stream", "schema", "key_properties", "metadata"],
        "properties": {
            "tap_stream_id": {"type": "string"}, "stream": {"type": "string"},
            "schema": {"type": "object", "required": ["type", "properties"]},
            "key_properties": _STRINGS, "replication_key": {"type": "string"},
            "replication_method": {"enum": ["INCREMENTAL", "FULL_TABLE"]},
            "metadata": {"type": "array", "items": {
                "type": "object", "required": ["breadcrumb", "metadata"],
                "properties": {"breadcrumb": _STRINGS, "metadata": {"type": "object"}},
            }},
        },
    }}},
}  # fmt: skip


def tap(*args: str) -> Result:
    """`singer ...` through the CLI, stdout apart from stderr."""
    return CliRunner().invoke(cli, ["singer", *args], env={"CLIENTSUCCESS_API_KEY": ""})


def messages(result: Result) -> list[dict[str, Any]]:
    """stdout as Singer messages, each checked against the spec's schema for its type."""
    assert result.exit_code == 0, result.output
    parsed = [json.loads(line) for line in result.stdout.splitlines()]
    for message in parsed:
        jsonschema.validate(message, MESSAGE_SCHEMAS[message["type"]],
                            format_checker=jsonschema.FormatChecker())  # fmt: skip
    return parsed


def records_by_stream(parsed: list[dict[str, Any]]) -> dict[str, dict[int, dict[str, Any]]]:
    """RECORD messages' records, per stream, by id."""
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for m in parsed:
        if m["type"] == "RECORD":
            out.setdefault(m["stream"], {})[m["record"]["id"]] = m["record"]
    return out


def test_discover_prints_a_catalog_per_the_spec(tap_config: Path) -> None:
    """Every default stream with its schema, key, replication key and selection metadata."""
    result = tap("--config", str(tap_config), "--discover")
    assert result.exit_code == 0, result.output
    catalog = json.loads(result.stdout)
    jsonschema.validate(catalog, CATALOG_SCHEMA)
    streams = {s["tap_stream_id"]: s for s in catalog["streams"]}
    assert list(streams) == DEFAULT_STREAMS
    for name, entry in streams.items():
        key = REPLICATION_KEYS.get(name, "modifiedTime")
        assert entry["key_properties"] == ["id"]
        assert entry["replication_key"] == key
        assert entry["replication_method"] == "INCREMENTAL"
        top = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
        assert top["selected"] is True
        assert top["table-key-properties"] == ["id"]
        assert top["valid-replication-keys"] == [key]
        fields = {tuple(m["breadcrumb"]): m["metadata"] for m in entry["metadata"]}
        assert fields[("properties", "id")]["inclusion"] == "automatic"
        assert set(entry["schema"]["properties"]) == {crumb[1] for crumb in fields if crumb}
        assert entry["schema"]["properties"]["id"] == {"type": ["integer"]}
        assert entry["schema"]["properties"][key]["format"] == "date-time"


def test_messages_follow_the_spec_and_records_fit_their_schema(
    simulator: SimulatorHandle, tap_config: Path
) -> None:
    """Each record comes after its stream's SCHEMA, fits it, and a STATE bookmarks each stream."""
    parsed = messages(tap("--config", str(tap_config)))
    schemas: dict[str, dict[str, Any]] = {}
    for message in parsed:
        if message["type"] == "SCHEMA":
            assert message["key_properties"] == ["id"]
            schemas[message["stream"]] = message["schema"]
        elif message["type"] == "RECORD":
            assert message["stream"] in schemas, "RECORD before its SCHEMA"
            jsonschema.validate(message["record"], schemas[message["stream"]])
    assert parsed[-1]["type"] == "STATE"
    bookmarks = parsed[-1]["value"]["bookmarks"]
    assert set(bookmarks) == set(DEFAULT_STREAMS)
    assert bookmarks["pulses"]["replication_key"] == "createdTimestamp"
    assert all(b["replication_key_value"] for b in bookmarks.values())
    got = records_by_stream(parsed)
    for name in DEFAULT_STREAMS:
        assert set(got[name]) == {r["id"] for r in simulator.store.records(name)}, name


def test_streams_are_read_concurrently(simulator: SimulatorHandle, tap_config: Path) -> None:
    """With latency on every request, requests of different streams are in flight at once, and
    every stream still lands whole, each record once."""
    simulator.faults.configure(latency_ms=50)
    simulator.stats.reset()
    parsed = messages(tap("--config", str(tap_config)))
    assert simulator.stats.peak_routes_in_flight() >= 2
    assert simulator.stats.peak_in_flight() <= 4  # the default max_concurrency, for all streams
    got = records_by_stream(parsed)
    for name in DEFAULT_STREAMS:
        ids = [m["record"]["id"] for m in parsed if m["type"] == "RECORD" and m["stream"] == name]
        assert sorted(ids) == sorted(r["id"] for r in simulator.store.records(name)), name
        assert set(got[name]) == set(ids)


def test_catalog_selects_streams_and_fields(tap_config: Path, tmp_path: Path) -> None:
    """Only the streams selected in the catalog are read, without the fields deselected."""
    catalog = json.loads(tap("--config", str(tap_config), "--discover").stdout)
    for entry in catalog["streams"]:
        for m in entry["metadata"]:
            if m["breadcrumb"] == []:
                m["metadata"]["selected"] = entry["stream"] == "contacts"
            if m["breadcrumb"] == ["properties", "email"]:
                m["metadata"]["selected"] = False
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    parsed = messages(tap("--config", str(tap_config), "--catalog", str(path)))
    assert {m["stream"] for m in parsed if m["type"] != "STATE"} == {"contacts"}
    records = [m["record"] for m in parsed if m["type"] == "RECORD"]
    assert records
    assert all("email" not in r and "firstName" in r for r in records)


def test_a_schema_narrower_than_the_data_is_widened_before_the_records(
    simulator: SimulatorHandle, tap_config: Path, tmp_path: Path
) -> None:
    """A catalog typing a float field as integer gets a widened SCHEMA that its records fit."""
    catalog = json.loads(tap("--config", str(tap_config), "--discover").stdout)
    for entry in catalog["streams"]:
        top = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
        top["selected"] = entry["stream"] == "clients"
        if entry["stream"] == "clients":
            assert entry["schema"]["properties"]["successScore"] == {"type": ["null", "number"]}
            entry["schema"]["properties"]["successScore"] = {"type": ["null", "integer"]}
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    parsed = messages(tap("--config", str(tap_config), "--catalog", str(path)))
    schemas = [m["schema"] for m in parsed if m["type"] == "SCHEMA"]
    assert len(schemas) == 2
    assert schemas[-1]["properties"]["successScore"] == {"type": ["null", "number"]}
    first_record = next(i for i, m in enumerate(parsed) if m["type"] == "RECORD")
    assert parsed[first_record - 1]["type"] == "SCHEMA"
    for m in parsed:
        if m["type"] == "RECORD":
            jsonschema.validate(m["record"], schemas[-1])


def test_state_resumes_from_bookmarks(simulator: SimulatorHandle, tap_config: Path,
                                      tmp_path: Path) -> None:  # fmt: skip
    """Run again from the last STATE: no record is sent again until one changes."""
    first = messages(tap("--config", str(tap_config)))
    state = tmp_path / "state.json"
    state.write_text(json.dumps(first[-1]["value"]))
    second = messages(tap("--config", str(tap_config), "--state", str(state)))
    assert records_by_stream(second) == {}
    assert second[-1]["value"]["bookmarks"].keys() == first[-1]["value"]["bookmarks"].keys()


def test_settings_given_as_text_are_typed(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """Numbers and booleans written as strings (as Meltano's environment passes them) work."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"base_url": simulator.api_v1_url, "api_key": simulator.api_key,
                                  "max_concurrency": "2", "verify_tls": "true"}))  # fmt: skip
    result = tap("--config", str(config), "--discover")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["streams"]) == len(DEFAULT_STREAMS)


def test_a_source_without_primary_key_is_refused_before_any_request(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A manual source without `primary_key` is exit 2 naming it, and no request is sent."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("sources:\n  raw: {url: /product/search, data_path: '$.data[*]'}\n")
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"base_url": simulator.api_v1_url,
                                  "api_key": simulator.api_key, "flow": str(flow)}))  # fmt: skip
    result = tap("--config", str(config))
    assert result.exit_code == 2, result.output
    assert "source 'raw' has no primary key" in result.stderr
    assert result.stdout == ""
    assert simulator.stats.requests() == 0


def test_a_fan_out_stream_resumes_value_by_value(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A fan-out stream's bookmark keeps one cursor per lookup value: from it, a second run
    sends only the note added in between."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "sources:\n"
        "  contract_notes:\n"
        "    template: search_contract_notes\n"
        "    params: {contractId: '{contracts.id}'}\n"
        "lookups:\n"
        "  contracts: {stream: contracts}\n"
    )
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"base_url": simulator.api_v1_url,
                                  "api_key": simulator.api_key, "flow": str(flow)}))  # fmt: skip
    first = messages(tap("--config", str(config)))
    expected = {r["id"] for r in simulator.store.records("contract_notes")}
    assert set(records_by_stream(first)["contract_notes"]) == expected
    bookmark = first[-1]["value"]["bookmarks"]["contract_notes"]
    assert len(bookmark["partitions"]) == len(simulator.store.records("contracts"))
    state = tmp_path / "state.json"
    state.write_text(json.dumps(first[-1]["value"]))
    assert records_by_stream(messages(tap("--config", str(config), "--state", str(state)))) == {}


def test_flow_sources_become_streams(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """A config naming a flow file streams that flow's sources, with its template params."""
    flow = tmp_path / "flow.yaml"
    client = simulator.store.records("clients")[0]["id"]
    flow.write_text(
        "sources:\n"
        f"  one_client_notes: {{template: search_client_notes, params: {{clientId: {client}}}}}\n"
    )
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"base_url": simulator.api_v1_url,
                                  "api_key": simulator.api_key, "flow": str(flow)}))  # fmt: skip
    parsed = messages(tap("--config", str(config)))
    got = records_by_stream(parsed)
    expected = {r["id"] for r in simulator.store.records("client_notes") if r["clientId"] == client}
    assert set(got) == {"one_client_notes"}
    assert set(got["one_client_notes"]) == expected


@pytest.mark.parametrize(
    ("content", "option", "message"),
    [
        ("{", "--config", "--config file"),
        ('{"api_keyy": "x"}', "--config", "unknown connection setting(s) api_keyy"),
        ('{"max_concurrency": "many"}', "--config", "max_concurrency must be a number"),
        ('{"streams": [{"tap_stream_id": "nope", "metadata": [{"breadcrumb": [], '
         '"metadata": {"selected": true}}]}]}', "--catalog", "selects stream 'nope'"),
        ("[1]", "--state", "--state file"),
    ],
)  # fmt: skip
def test_bad_files_exit_2_naming_the_problem(
    tap_config: Path, tmp_path: Path, content: str, option: str, message: str
) -> None:
    """A bad config, catalog or state file is one line on stderr and exit code 2."""
    path = tmp_path / "file.json"
    path.write_text(content)
    args = ["--config", str(path)] if option == "--config" else ["--config", str(tap_config),
                                                                 option, str(path)]  # fmt: skip
    result = tap(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""


def test_a_stream_whose_sample_fails_fails_alone(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """Products cannot even be sampled: it fails (exit 1, named); every other stream lands
    whole, and the last STATE bookmarks them."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"base_url": simulator.api_v1_url,
                                  "api_key": simulator.api_key, "max_attempts": 1}))  # fmt: skip
    simulator.faults.next("503", 1000, route="search_products")
    result = tap("--config", str(config))
    assert result.exit_code == 1
    assert "products" in result.stderr
    parsed = [json.loads(line) for line in result.stdout.splitlines()]
    got = records_by_stream(parsed)
    for name in DEFAULT_STREAMS:
        if name != "products":
            assert set(got[name]) == {r["id"] for r in simulator.store.records(name)}, name
    assert parsed[-1]["type"] == "STATE"
    assert set(parsed[-1]["value"]["bookmarks"]) == set(DEFAULT_STREAMS) - {"products"}
