"""Hostile values stay where they belong; TLS verification is on unless explicitly turned off.

Lookup values and mapped fields holding `/`, `..`, `?`, `#`, `%`, `&`, `=`, newlines and
unicode stay inside their path segment, query value or body field: checked on the requests as
sent (a recording MockTransport) and on what the simulator received and routed (its stats and
store; it routes on the raw path, so an encoded `/` stays in its segment).
"""

from __future__ import annotations

import ssl
from pathlib import Path
from urllib.parse import parse_qs, unquote

import httpx
import orjson
import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.connection.urls import render_path
from clientsuccess_connector.errors import ApiError, ConfigError
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.lookups import LookupTable
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.write import WriteJob, write_records
from tests.reliability.helpers import simulator

HOSTILE = [
    "../admin", "a/b", "..", "x?y=1", "#frag", "100%", "%2F", "a&b=c", "line\nbreak",
    "tab\there", "ünïcødé 漢字 🙂", " spaced ", "..%2F..%2Fclient", "a;b", "\\back",
]  # fmt: skip


def recording(sent: list[httpx.Request]) -> httpx.MockTransport:
    """A transport that records each request and answers one empty search page."""

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"data": [], "last": True, "totalPages": 0})

    return httpx.MockTransport(handler)


def read_all(spec: SourceSpec, sent: list[httpx.Request]) -> None:
    settings = ConnectionSettings(base_url="http://api.test/api/v1", api_key="k-12345")
    table = LookupTable.from_records("ids", [{"id": v} for v in HOSTILE])
    with (
        Connection(settings, transport=recording(sent)) as conn,
        Reader(conn, lookups={"ids": table}) as reader,
    ):
        list(reader.records(resolve(spec)))


def test_lookup_values_stay_in_their_template_path_segment() -> None:
    sent: list[httpx.Request] = []
    spec = SourceSpec("n", template="search_contract_notes", params={"contractId": "{ids.id}"})
    read_all(spec, sent)
    assert len(sent) == len(HOSTILE)
    segments = []
    for request in sent:
        raw = request.url.raw_path.decode("ascii").split("?")[0]
        head, _, rest = raw.partition("/api/v1/contract/")
        segment, _, tail = rest.partition("/")
        assert (head, tail) == ("", "notes"), raw
        segments.append(unquote(segment))
    assert sorted(segments) == sorted(HOSTILE)


def test_lookup_values_in_a_manual_url_stay_in_segment_and_query_value() -> None:
    sent: list[httpx.Request] = []
    spec = SourceSpec("m", url="/contract/{ids.id}/notes?q={ids.id}&size=5",
                      pagination="none")  # fmt: skip
    read_all(spec, sent)
    assert len(sent) == len(HOSTILE)
    for request in sent:
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        parts = path.split("/")
        assert parts[:4] == ["", "api", "v1", "contract"] and parts[5:] == ["notes"], path
        value = unquote(parts[4])
        assert value in HOSTILE
        assert parse_qs(query, keep_blank_values=True) == {"q": [value], "size": ["5"]}, query


def test_header_values_with_line_breaks_are_refused() -> None:
    sent: list[httpx.Request] = []
    spec = SourceSpec("h", url="/client/search", headers={"X-Trace": "{ids.id}"})
    with pytest.raises(ConfigError, match=r"line break|not one line"):
        read_all(spec, sent)
    for value in ("line\nbreak", "ünï", "ok\rmore"):
        with pytest.raises(ConfigError, match="header"):
            read_all(SourceSpec("h", url="/client/search", headers={"X-Trace": value}), sent)


def test_the_simulator_routes_hostile_path_values_within_their_segment() -> None:
    """Sent for real: every value reaches the route it was meant for, never another one."""
    with simulator(clients=3) as (sim, _):
        settings = ConnectionSettings(base_url=sim.api_v1_url, api_key=sim.api_key)
        table = LookupTable.from_records("ids", [{"id": v} for v in HOSTILE])
        spec = SourceSpec("n", template="get_contract", params={"contractId": "{ids.id}"})
        with Connection(settings) as conn, Reader(conn, lookups={"ids": table}) as reader:
            for value in HOSTILE:
                path = render_path("/contract/{contractId}", {"contractId": value})
                response = conn.request("GET", path, raise_for_status=False)
                assert response.status_code == 400, (value, response.status_code)  # not an id
            with pytest.raises(ApiError, match=r"HTTP 400"):
                list(reader.records(resolve(spec)))
        snapshot = sim.stats.snapshot()["requests"]
        assert set(snapshot) == {"get_contract"}, snapshot  # nothing reached another route


def test_hostile_write_values_stay_in_their_segment_and_body_field(tmp_path: Path) -> None:
    with simulator(clients=3) as (sim, _):
        client = sorted(c["id"] for c in sim.store.records("clients"))[0]
        settings = ConnectionSettings(base_url=sim.api_v1_url, api_key=sim.api_key,
                                      backoff_base=0.01, backoff_cap=0.02)  # fmt: skip
        rows = [{"clientId": client, "email": f"h{i}@example.com", "firstName": v, "title": v}
                for i, v in enumerate(HOSTILE)]  # fmt: skip
        patches = [{"contactId": v, "title": "should not land"} for v in HOSTILE]
        with Connection(settings) as conn:
            created = write_records(conn, WriteJob("create_contact"), rows)
            patched = write_records(conn, WriteJob("patch_contact"), patches)
        assert (created.ok, created.error) == (len(HOSTILE), 0), created.first_errors
        assert (patched.ok, patched.error) == (0, len(HOSTILE))  # no such contact: 404 each
        stored = {c["email"]: c for c in sim.store.records("contacts")}
        for i, value in enumerate(HOSTILE):
            assert stored[f"h{i}@example.com"]["firstName"] == value
            assert stored[f"h{i}@example.com"]["title"] == value
        assert all(c.get("title") != "should not land" for c in stored.values())
        routes = sim.stats.snapshot()["requests"]
        assert set(routes) == {"create_contact", "patch_contact"}, routes
        assert routes["patch_contact"] == {"404": len(HOSTILE)} or routes["patch_contact"] == {
            404: len(HOSTILE)}  # fmt: skip


# --- TLS -------------------------------------------------------------------------------------


def ssl_context(conn: Connection) -> ssl.SSLContext:
    return conn._client._transport._pool._ssl_context  # type: ignore[attr-defined,no-any-return]


def test_tls_verification_is_on_by_default() -> None:
    settings = ConnectionSettings(api_key="k-12345")
    assert settings.verify_tls is True
    with Connection(settings) as conn:
        context = ssl_context(conn)
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is True
    with Connection(settings.with_overrides(verify_tls=False)) as conn:
        assert ssl_context(conn).verify_mode == ssl.CERT_NONE


@pytest.mark.parametrize(
    "command",
    [
        ["test", "--url", "/product/search", "--limit", "1"],
        ["sync", "--stream", "products"],
        ["write", "create_pulse", "-i", "-"],
    ],
    ids=["test", "sync", "write"],
)
def test_turning_tls_off_takes_the_flow_file_and_prints_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    off = tmp_path / "off.yaml"
    off.write_text("connection:\n  verify_tls: false\n"
                   "sources:\n  products: {template: search_products}\n"
                   "writes: {}\n", encoding="utf-8")  # fmt: skip
    on = tmp_path / "on.yaml"
    on.write_text("sources:\n  products: {template: search_products}\n", encoding="utf-8")
    with simulator(clients=2) as (sim, _):
        client = sorted(c["id"] for c in sim.store.records("clients"))[0]
        stdin = orjson.dumps({"clientId": client, "note": "tls"}).decode() + "\n"
        env = sim.env()
        for flow, warned in ((off, True), (on, False)):
            args = [*command[:1], "--flow", str(flow), *command[1:]]
            result = CliRunner().invoke(cli, args, env=env, input=stdin)
            assert result.exit_code == 0, result.output
            assert ("warning: TLS verification is OFF" in result.stderr) is warned, result.stderr
