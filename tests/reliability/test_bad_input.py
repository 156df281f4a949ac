"""Bad input, property-based: never a traceback, only a ConnectorError (exit 2 on the CLI).

Flow files (random YAML structures), CLI arguments, macros, JSONPath and XPath, write input
files (bad encodings, ragged CSV, huge fields, wrong types) and API responses (HTML, invalid
JSON, wrong envelopes, missing or mistyped fields, enormous pages).
"""

from __future__ import annotations

import contextlib
import string
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientsuccess_connector.cli import cli
from clientsuccess_connector.config.flow import load_flow
from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.errors import ConfigError, ConnectorError, DataError
from clientsuccess_connector.extract import compile_path
from clientsuccess_connector.extract.xpath import compile_xpath, parse_xml
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.macros import DateMacroContext, render, render_value
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.syncing.run import SyncOptions, sync
from clientsuccess_connector.write import WriteJob, write_input
from tests.write.reporter import Recorder

FEW = settings(max_examples=60, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip

# --- flow files ------------------------------------------------------------------------------

FLOW_KEYS = ["connection", "destination", "sources", "lookups", "writes", "template", "params",
             "url", "method", "data_path", "pagination", "page_size", "primary_key", "api_key",
             "max_concurrency", "timeout", "verify_tls", "headers", "body", "input", "map",
             "stream", "file", "incremental_field", "max_pages", "response_format", "type",
             "search_clients", "create_contact", "notes", "base_url", "date_format"]  # fmt: skip
SCALAR = (
    st.none() | st.booleans() | st.integers(-5, 10**12) | st.floats(allow_nan=True)
    | st.text(max_size=12) | st.sampled_from(["$.data[*]", "{now-1}", "${HOME}", "{x.y}", "/a"])
)  # fmt: skip
YAML_VALUE = st.recursive(
    SCALAR,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(FLOW_KEYS) | st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
TOP = ("connection", "destination", "sources", "lookups", "writes")
FLOW_DOC = st.fixed_dictionaries({}, optional=dict.fromkeys(TOP, YAML_VALUE)) | YAML_VALUE


def use_flow(path: Path) -> None:
    """Everything a command does with a flow before sending a request."""
    flow = load_flow(path, env={"HOME": "/home/someone"})
    flow.connection_settings(env={})
    for spec in flow.sources.values():
        resolve(spec)


@FEW
@given(doc=FLOW_DOC)
def test_random_flow_documents_give_config_errors_only(tmp_path: Path, doc: Any) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        use_flow(path)
    except ConfigError as exc:
        assert "\n" not in str(exc).strip() or "flow" in str(exc)


@FEW
@given(text=st.text(max_size=80) | st.binary(max_size=80).map(lambda b: b.decode("latin-1")))
def test_random_flow_text_gives_config_errors_only(tmp_path: Path, text: str) -> None:
    path = tmp_path / "flow.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    with contextlib.suppress(ConfigError):
        use_flow(path)


# --- CLI arguments ---------------------------------------------------------------------------

COMMANDS = st.sampled_from([
    ["test"], ["paths"], ["templates"], ["write", "--dry-run"], ["sync", "--stream", "nope"],
    ["schema"], ["test", "--limit", "1"], ["write", "create_contact", "--dry-run"],
])  # fmt: skip
ARG = st.sampled_from([
    "--limit", "-p", "--url", "--flow", "--data-path", "--format", "--header", "--body",
    "--pagination", "--page-size", "--date-format", "--time-unit", "--input", "--map", "--set",
    "--batch-size", "--results", "--destination", "--every", "search_clients", "create_pulse",
    "clientId=x", "=", "-", "--", "{now-x}", "$..[", "/a/b", "-1", "0", "1e9", "--stream",
    "get_client", "%", "\x00", "../../etc/passwd", "duckdb:///", "postgresql://x@",
])  # fmt: skip


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(command=COMMANDS, args=st.lists(ARG | st.text(max_size=8), max_size=6))
def test_random_cli_arguments_never_give_a_traceback(
    shared_simulator: SimulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: list[str],
    args: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # a sync or a results file lands here
    result = CliRunner().invoke(cli, [*command, *args], env=shared_simulator.env())
    assert result.exit_code in (0, 1, 2), (command, args, result.output)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), (command, args, result.exc_info)
    assert "Traceback" not in result.output


# --- macros, JSONPath, XPath -----------------------------------------------------------------

MACRO_TEXT = st.lists(
    st.text(alphabet=string.ascii_letters + string.digits + "{}-+. _/?#%$", max_size=10)
    | st.sampled_from(["{now}", "{now-3}", "{now+99999999}", "{c.id}", "{{now}}", "{x.}",
                       "{now-}", "{NOW - 2}", "{c.missing}", "{}"]),
    max_size=5,
).map("".join)  # fmt: skip
WHERE = st.sampled_from(["path", "url", "query", "header", "body", "raw"])
DATES = DateMacroContext(datetime(2026, 11, 27, 6, tzinfo=UTC), "yyyy-MM-dd", "day")


@settings(max_examples=300, deadline=None)
@given(text=MACRO_TEXT, where=WHERE, value=st.text(max_size=6) | st.integers())
def test_random_macros_render_or_give_config_errors(text: str, where: Any, value: Any) -> None:
    row = {"c": {"id": value}}
    try:
        render(text, dates=DATES, row=row, where=where, field="url")
        render_value(text, dates=DATES, row=row, field="params.x")
    except ConfigError:
        pass


@settings(max_examples=60, deadline=None)
@given(fmt=st.text(max_size=12), unit=st.text(max_size=6))
def test_random_date_formats_and_units_give_config_errors(fmt: str, unit: str) -> None:
    spec = SourceSpec("s", url="/x?d={now-1}", date_format=fmt, time_unit=unit)
    with contextlib.suppress(ConfigError):
        resolve(spec)


PATH_TEXT = st.text(alphabet="$.[]*?@()'\"=<>!&|,:0123456789-abc_ /\\", max_size=16)
DOCUMENT = st.recursive(
    st.none() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=3) | st.booleans(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=10,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(path=PATH_TEXT, document=DOCUMENT)
def test_random_jsonpaths_compile_and_apply_or_give_connector_errors(
    path: str, document: Any
) -> None:
    try:
        compiled = compile_path(path)
    except ConfigError:
        return
    with contextlib.suppress(DataError):
        compiled.records(document)


XPATH_TEXT = st.text(alphabet="/@*[]()=<>!.'\"abc:0123456789 |-_", max_size=16)


@settings(max_examples=200, deadline=None)
@given(path=XPATH_TEXT)
def test_random_xpaths_compile_and_apply_or_give_connector_errors(path: str) -> None:
    root = parse_xml(b"<r a='1'><data><item><id>1</id></item><item>x</item></data></r>")
    try:
        compiled = compile_xpath(path)
    except ConfigError:
        return
    with contextlib.suppress(DataError):
        compiled.records(root)


# --- write input files -----------------------------------------------------------------------

CELL = (
    st.text(max_size=10) | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.sampled_from(
        ["", "@huge", "true", "1e999", "2024-13-45", '"', "a,b", "\r\n", "\ufeff"])
)  # fmt: skip
CSV_BYTES = st.lists(st.lists(CELL.map(str), max_size=5), max_size=6).map(
    lambda rows: "\n".join([
        "clientId,email,firstName,champion,custom", *(",".join(r) for r in rows)
    ]).encode("utf-8", "surrogatepass")
)  # fmt: skip
JSONL_BYTES = st.lists(
    st.dictionaries(st.sampled_from(["clientId", "email", "champion", "custom", "x"]),
                    DOCUMENT | CELL, max_size=5).map(orjson.dumps)
    | st.binary(max_size=20),
    max_size=5,
).map(b"\n".join)  # fmt: skip
INPUT = st.one_of(
    st.tuples(st.just("in.csv"), CSV_BYTES | st.binary(max_size=60)),
    st.tuples(st.just("in.jsonl"), JSONL_BYTES),
    st.tuples(st.just("in.json"), JSONL_BYTES.map(lambda b: b"[" + b.replace(b"\n", b",") + b"]")
              | st.binary(max_size=40)),
    st.tuples(st.just("in.parquet"), st.binary(max_size=40)),
    st.tuples(st.sampled_from(["in.csv", "in.jsonl"]),
              st.sampled_from([b"\xff\xfe\x00c", "é".encode("latin-1") + b",x\n1,2",
                               b"a,b\n1,2,3\n", b'{"a": 1}\n{"a":', b"clientId\n\x00\x00",
                               b'{"clientId": 123456789012345678901234567890}'])),
)  # fmt: skip


@pytest.fixture(scope="module")
def offline() -> Iterator[Connection]:
    """A connection that is never used to send (dry runs)."""
    with Connection(ConnectionSettings(base_url="http://127.0.0.1:9/api/v1")) as conn:
        yield conn


@FEW
@given(case=INPUT, template=st.sampled_from(["create_contact", "bulk_create_contacts",
                                              "upsert_contact", "patch_contact"]))  # fmt: skip
def test_bad_write_inputs_give_row_errors_or_config_errors(
    tmp_path: Path, offline: Connection, case: tuple[str, bytes], template: str
) -> None:
    name, data = case
    path = tmp_path / name
    path.write_bytes(data.replace(b"@huge", b"x" * 300_000))  # a 300 kB field
    shown: list[str] = []
    try:
        summary = write_input(
            offline,
            WriteJob(template, input=str(path), dry_run=True),
            Recorder(requests=shown.append, warnings=shown.append),
        )
    except ConfigError as exc:
        assert name in str(exc) or "column" in str(exc) or "field" in str(exc), str(exc)
        return
    assert summary.ok + summary.error + summary.skipped >= 0
    for row, message in summary.first_errors:
        assert row >= 1 and message


# --- API responses ---------------------------------------------------------------------------

RECORD_KEYS = st.sampled_from(["id", "modifiedTime", "x"])
ENVELOPE_FIELDS = st.fixed_dictionaries({}, optional={
    "data": st.none() | st.integers(-9, 9) | st.text(max_size=3) | st.lists(
        st.none() | st.integers(-9, 9) | st.dictionaries(RECORD_KEYS, SCALAR, max_size=3),
        max_size=4),
    "last": SCALAR, "first": SCALAR, "page": SCALAR, "size": SCALAR, "totalPages": SCALAR,
    "totalElements": SCALAR,
})  # fmt: skip
BODY = st.one_of(
    ENVELOPE_FIELDS.map(orjson.dumps),
    DOCUMENT.map(orjson.dumps),
    st.sampled_from([b"<html><body>503 Service Unavailable</body></html>", b"", b"{",
                     b'{"data": [', b"null", b"[1,2", b"\xff\xfe", b"<?xml version='1.0'?><a>",
                     b"@huge"]),  # 20,000 records in one page
)  # fmt: skip
CONTENT_TYPE = st.sampled_from(["application/json", "text/html", "application/xml", ""])


def mock_connection(bodies: list[bytes], content_type: str) -> Connection:
    """A connection whose every response is the next of `bodies` (the last one repeats)."""
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        body = bodies[min(calls["n"], len(bodies) - 1)]
        if body == b"@huge":
            body = b'{"data":[' + b",".join([b'{"id":1}'] * 20000) + b"]}"
        calls["n"] += 1
        headers = {"Content-Type": content_type} if content_type else {}
        return httpx.Response(200, content=body, headers=headers)

    settings_ = ConnectionSettings(base_url="http://api.test/api/v1", api_key="k-secret-xyz",
                                   max_attempts=2, backoff_base=0, backoff_cap=0)  # fmt: skip
    return Connection(settings_, transport=httpx.MockTransport(handler), sleep=lambda s: None)


@settings(max_examples=120, deadline=None)
@given(
    bodies=st.lists(BODY, min_size=1, max_size=3),
    content_type=CONTENT_TYPE,
    template=st.sampled_from(["search_clients", "get_client", "list_custom_fields"]),
)
def test_bad_api_responses_give_data_errors_naming_the_url(
    bodies: list[bytes], content_type: str, template: str
) -> None:  # fmt: skip
    params = {"get_client": {"clientId": "1"}, "list_custom_fields": {"resourceType": "client"}}
    spec = resolve(SourceSpec("s", template=template, params=params.get(template, {}),
                              max_pages=5))  # fmt: skip
    with mock_connection(bodies, content_type) as conn, Reader(conn) as reader:
        try:
            for _ in reader.records(spec):
                pass
        except ConnectorError as exc:
            assert "k-secret-xyz" not in str(exc)
            assert isinstance(exc, DataError | ConfigError), repr(exc)


GOOD_PAGE = orjson.dumps({"data": [{"id": i, "modifiedTime": "2024-01-01T00:00:00.000Z"}
                                   for i in range(3)], "last": False, "page": 0, "size": 3,
                          "totalPages": 2, "totalElements": 6})  # fmt: skip


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(bad=BODY.filter(lambda b: b != b"@huge" and (b[:1] == b"<" or b[:1] != b"{")))
def test_a_bad_page_leaves_the_destination_unchanged(tmp_path_factory: Any, bad: bytes) -> None:
    """A stream whose second page is bad fails with an error naming it; nothing half-written."""
    url = f"duckdb:///{tmp_path_factory.mktemp('d') / 'x.duckdb'}"
    source = resolve(replace(SourceSpec("clients", template="search_clients"), page_size=3))
    source = replace(source, incremental_field=None)
    with mock_connection([GOOD_PAGE, bad], "application/json") as conn, open_sink(url) as sink:
        [result] = sync(conn, sink, {"clients": source}, SyncOptions(batch_size=100))
        assert result.error is not None
        assert "page" in result.error or "http://api.test" in result.error, result.error
        assert "clients" not in sink.streams() or sink.row_count("clients") == 0
        assert sink.get_state("clients") is None
