"""`verify`: a destination compared with the server by id, over real HTTP, writing nothing."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb
import orjson
import psycopg
import pytest
from click.testing import CliRunner, Result
from psycopg import sql

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.simulator.profile import PRESETS, ServerProfile
from clientsuccess_connector.sinks import open_sink
from tests.integration.simulator_changes import DEFAULT_STREAMS
from tests.sinks.conftest import postgres_url  # noqa: F401  (a fixture used below)


def invoke(sim: SimulatorHandle, *args: str) -> Result:
    """The CLI against the simulator."""
    return CliRunner().invoke(cli, list(args), env=sim.env())


def sync(sim: SimulatorHandle, destination: str, *args: str) -> None:
    result = invoke(sim, "-q", "sync", "--destination", destination, *args)
    assert result.exit_code == 0, result.output


def verify(sim: SimulatorHandle, destination: str, *args: str) -> tuple[int, dict[str, Any]]:
    """`verify --json`: its exit code and document."""
    result = invoke(sim, "verify", "--json", "--destination", destination, *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, orjson.loads(result.stdout)


def by_stream(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["stream"]: s for s in doc["streams"]}


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (name -> content hash): what a read-only command must keep."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def change(sim: SimulatorHandle, resource: str, rid: int, **fields: Any) -> None:
    """Edit a record on the server, stamped now (as an edit in ClientSuccess is)."""
    record = sim.store.get(resource, rid)
    assert record is not None
    sim.store.put(resource, {**record, **fields, "modifiedTime": sim.store.clock.tick()})


def only_reads(sim: SimulatorHandle) -> None:
    """Every request since the last reset was a GET."""
    methods = {r.method for r in sim.stats.request_log()}
    assert methods == {"GET"}, methods


def test_sync_then_verify_matches_and_drift_is_named(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """After a sync every stream matches; a record deleted and one changed on the server and a
    row dropped in the destination are each named with their stream, id and kind; verify sends
    only GETs and leaves the DuckDB file as it was; a full refresh brings it back to a match."""
    path = tmp_path / "cs.duckdb"
    url = f"duckdb:///{path}"
    sync(simulator, url)
    before = tree(tmp_path)
    simulator.stats.reset()
    code, doc = verify(simulator, url)
    assert code == 0, doc
    assert doc["status"] == "ok"
    assert doc["drifted_streams"] == []
    streams = by_stream(doc)
    assert list(streams) == DEFAULT_STREAMS
    for name, check in streams.items():
        assert check["status"] == "ok", check
        assert check["server_ids"] == check["destination_rows"] == simulator.store.count(name)
        assert check["server_newest"] == check["destination_newest"] is not None
        assert check["missing"] == check["extra"] == check["stale"] == 0
    assert streams["client_notes"]["requests"] == 4  # 296 records: 3 pages, then an empty one
    only_reads(simulator)
    assert tree(tmp_path) == before

    gone = simulator.store.records("clients")[3]["id"]
    simulator.store.delete("clients", gone)
    changed = simulator.store.records("contacts")[5]["id"]
    change(simulator, "contacts", changed, firstName="Changed")
    dropped = simulator.store.records("products")[2]["id"]
    with duckdb.connect(str(path)) as db:
        db.execute("DELETE FROM products WHERE id = ?", [dropped])
    before = tree(tmp_path)
    simulator.stats.reset()

    code, doc = verify(simulator, url)
    assert code == 1
    assert doc["status"] == "drift"
    assert doc["drifted_streams"] == ["clients", "contacts", "products"]
    streams = by_stream(doc)
    assert streams["clients"]["extra_ids"] == [gone]
    assert streams["clients"]["reason"] == "1 no longer on the server"
    assert streams["clients"]["server_ids"] + 1 == streams["clients"]["destination_rows"]
    assert streams["contacts"]["stale_ids"] == [changed]
    assert streams["contacts"]["server_newest"] > streams["contacts"]["destination_newest"]
    assert streams["products"]["missing_ids"] == [dropped]
    assert streams["pulses"]["status"] == "ok"
    only_reads(simulator)
    assert tree(tmp_path) == before

    table = invoke(simulator, "verify", "--destination", url)
    assert table.exit_code == 1
    assert "clients: 1 no longer on the server (deleted there" in table.stdout
    assert f"reconciles deletions): {gone}\n" in table.stdout
    assert "contacts: 1 older in the destination than on the server" in table.stdout
    assert "products: 1 missing in the destination" in table.stdout
    assert f"drift: clients, contacts, products differ from the server ({url})" in table.stdout

    sync(simulator, url, "--full-refresh")
    code, doc = verify(simulator, url)
    assert code == 0, doc
    assert by_stream(doc)["clients"]["destination_deleted"] == 1


def test_a_file_destination_is_verified_and_left_as_it_was(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """JSON lines: a match (also from a server that gives no counts), then a client deleted
    on the server; no file is touched."""
    folder = tmp_path / "out"
    url = f"jsonl:///{folder}"
    sync(simulator, url, "--stream", "clients", "--stream", "products")
    before = tree(tmp_path)
    code, doc = verify(simulator, url, "--stream", "clients", "--stream", "products")
    assert code == 0, doc
    simulator.profile = PRESETS["no-counts"]  # pages that say nothing of how many there are
    code, doc = verify(simulator, url, "--stream", "clients", "--stream", "products")
    assert code == 0, doc
    assert by_stream(doc)["clients"]["requests"] == 2  # 30 clients, then an empty page
    gone = simulator.store.records("clients")[0]["id"]
    simulator.store.delete("clients", gone)
    code, doc = verify(simulator, url, "--stream", "clients", "--stream", "products")
    assert code == 1
    assert doc["drifted_streams"] == ["clients"]
    assert by_stream(doc)["clients"]["extra_ids"] == [gone]
    assert tree(tmp_path) == before


@pytest.mark.postgres
def test_a_postgres_destination_is_verified_and_left_as_it_was(
    simulator: SimulatorHandle, request: pytest.FixtureRequest
) -> None:
    """PostgreSQL: a match, then a drift; tables and state are unchanged by verify."""
    url = str(request.getfixturevalue("postgres_url"))
    sync(simulator, url, "--stream", "clients", "--stream", "contacts")
    schema = url.rpartition("schema=")[2]

    def contents() -> list[Any]:
        with psycopg.connect(url.partition("?")[0]) as con:
            return [
                con.execute(
                    sql.SQL("SELECT * FROM {}.{} ORDER BY 1").format(
                        sql.Identifier(schema), sql.Identifier(table)
                    )
                ).fetchall()
                for table in ("clients", "contacts", "_cs_state", "_cs_schema")
            ]

    before = contents()
    code, doc = verify(simulator, url, "--stream", "clients", "--stream", "contacts")
    assert code == 0, doc
    changed = simulator.store.records("clients")[1]["id"]
    change(simulator, "clients", changed, name="Renamed")
    gone = simulator.store.records("contacts")[2]["id"]
    simulator.store.delete("contacts", gone)
    simulator.stats.reset()
    code, doc = verify(simulator, url, "--stream", "clients", "--stream", "contacts")
    assert code == 1
    streams = by_stream(doc)
    assert streams["clients"]["stale_ids"] == [changed]
    assert streams["contacts"]["extra_ids"] == [gone]
    only_reads(simulator)
    assert contents() == before


def test_only_what_a_filtered_or_fan_out_source_selects_is_compared(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A status filter and a fan-out over two clients match after a sync (the other records
    are not missing); a client leaving the filter is named as no longer listed."""
    clients = simulator.store.records("clients")
    picked = sorted(c["id"] for c in clients)[:2]
    ids = tmp_path / "ids.csv"
    ids.write_text("id\n" + "".join(f"{c}\n" for c in picked))
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        f"destination: duckdb:///{tmp_path / 'cs.duckdb'}\n"
        "sources:\n"
        "  active: {template: search_clients, params: {status: ACTIVE}}\n"
        "  their_contacts: {template: search_contacts, params: {tenantClientId: '{c.id}'}}\n"
        f"lookups:\n  c: {{file: {ids}}}\n"
    )
    result = invoke(simulator, "-q", "sync", "--flow", str(flow))
    assert result.exit_code == 0, result.output
    result = invoke(simulator, "verify", "--json", "--flow", str(flow))
    assert result.exit_code == 0, result.output
    streams = by_stream(orjson.loads(result.stdout))
    active = [c for c in clients if c["status"] == "ACTIVE"]
    assert 0 < streams["active"]["server_ids"] == len(active) < len(clients)
    theirs = [c for c in simulator.store.records("contacts") if c["tenantClientId"] in picked]
    assert 0 < streams["their_contacts"]["server_ids"] == len(theirs)

    change(simulator, "clients", active[0]["id"], status="INACTIVE")
    result = invoke(simulator, "verify", "--json", "--flow", str(flow))
    assert result.exit_code == 1
    doc = orjson.loads(result.stdout)
    assert doc["drifted_streams"] == ["active"]
    assert by_stream(doc)["active"]["extra_ids"] == [active[0]["id"]]


def test_a_source_without_a_primary_key_is_not_verifiable(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """It is reported as such, the others are still compared, and that is no drift."""
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}"
    sync(simulator, url, "--stream", "clients")
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "sources:\n"
        "  clients: {template: search_clients}\n"
        "  raw: {url: /client/search, data_path: '$.data[*]'}\n"
    )
    code, doc = verify(simulator, url, "--flow", str(flow))
    assert code == 0, doc
    streams = by_stream(doc)
    assert streams["clients"]["status"] == "ok"
    assert streams["raw"]["status"] == "not verifiable"
    assert "no primary key" in streams["raw"]["reason"]
    assert streams["raw"]["missing"] is None  # not compared, so no count
    table = invoke(simulator, "verify", "--destination", url, "--flow", str(flow))
    assert table.exit_code == 0, table.output
    assert table.stdout.endswith("matches the server (raw not verifiable)\n")
    lines = invoke(simulator, "verify", "--format", "jsonl", "--destination", url, "--flow",
                   str(flow)).stdout.splitlines()  # fmt: skip
    assert [orjson.loads(line)["status"] for line in lines] == ["ok", "not verifiable"]
    rows = invoke(simulator, "verify", "--format", "csv", "--destination", url, "--flow",
                  str(flow)).stdout.splitlines()  # fmt: skip
    assert rows[0].startswith("stream,status,reason,server_ids,server_rows,destination_rows,")
    assert rows[1].startswith("clients,ok,,30,30,30,0,")


def test_a_stream_never_synced_is_all_missing(simulator: SimulatorHandle, tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}"
    sync(simulator, url, "--stream", "products")
    code, doc = verify(simulator, url, "--stream", "products", "--stream", "clients")
    assert code == 1
    clients = by_stream(doc)["clients"]
    assert clients["missing"] == simulator.store.count("clients")
    assert clients["reason"].startswith("no table 'clients' in the destination")
    assert len(clients["missing_ids"]) == 20  # --max-ids' default; the count is whole


def test_configuration_errors_exit_2(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """An unknown stream, or a destination that does not exist, is exit 2 with nothing on
    stdout (and the destination is not created)."""
    missing = tmp_path / "nothing.duckdb"
    result = invoke(simulator, "verify", "--destination", f"duckdb:///{missing}")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "does not exist" in result.stderr
    assert not missing.exists()
    result = invoke(simulator, "verify", "--stream", "nope", "--destination", "jsonl:///x")
    assert result.exit_code == 2
    assert "unknown stream(s) nope" in result.stderr


@contextmanager
def capped_server(records: list[dict[str, Any]], cap: int) -> Iterator[tuple[str, list[str]]]:
    """A loopback API serving `records` by `page`/`size` but at most `cap` a page, with no
    count; yields its base URL and the methods of the requests it got."""
    methods: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            methods.append("GET")
            query = parse_qs(urlsplit(self.path).query)
            size = min(int(query.get("size", query.get("limit", ["100"]))[0]), cap)
            start = int(query.get("page", ["0"])[0]) * size
            start = int(query.get("offset", [str(start)])[0])
            body = orjson.dumps({"data": records[start : start + size]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            methods.append("POST")
            self.send_response(405)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", methods
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("pagination", ["page_number", "offset"])
def test_a_server_capping_its_page_size_without_counts_is_read_to_the_end(
    tmp_path: Path, pagination: str
) -> None:
    """The server serves 7 records a page whatever `size` asks, and no count: a page-number
    read that stops at a short page would see 7 of 30 records; verify pages on until an empty page
    and finds the 23 others missing, then a match once the table holds all 30 (the id it
    lists twice counted once)."""
    records = [{"id": n, "name": f"thing {n}"} for n in range(30)]
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}"
    with capped_server([*records, records[5]], cap=7) as (base, methods):
        flow = tmp_path / "flow.yaml"
        flow.write_text(
            f"connection: {{base_url: '{base}', api_key: k}}\n"
            f"destination: '{url}'\n"
            "sources:\n"
            "  things: {url: /things, data_path: '$.data[*]', primary_key: [id],\n"
            f"           pagination: {{type: {pagination}, page_size: 20}}}}\n",
            encoding="utf-8",
        )
        flow.chmod(0o600)
        with open_sink(url) as sink:
            sink.write_batch("things", records[:7], ["id"])
        result = CliRunner().invoke(cli, ["verify", "--json", "--flow", str(flow)])
        assert result.exit_code == 1, result.output
        things = by_stream(orjson.loads(result.stdout))["things"]
        assert things["missing"] == 23
        assert things["missing_ids"] == list(range(7, 27))

        with open_sink(url) as sink:
            sink.write_batch("things", records, ["id"])
        methods.clear()
        result = CliRunner().invoke(cli, ["verify", "--json", "--flow", str(flow)])
        assert result.exit_code == 0, result.output
        things = by_stream(orjson.loads(result.stdout))["things"]
        assert (things["server_ids"], things["server_rows"]) == (30, 31)
        assert things["requests"] == 6  # five pages of at most 7, then the empty page
        assert methods == ["GET"] * 6


def test_snake_case_columns_auto_paging_and_a_failing_stream(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """Keys and stamps are found under snake_case column names; a manual source paged `auto`
    is read to its empty page; a stream whose route fails is `error`, named, and exit 1."""
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}?naming=snake_case"
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        f"destination: '{url}'\n"
        "sources:\n"
        "  clientNotes: {template: search_client_notes}\n"
        "  manual_contacts: {url: /contact/search, data_path: '$.data[*]', primary_key: [id],\n"
        "                    incremental_field: modifiedTime}\n"
    )
    result = invoke(simulator, "-q", "sync", "--flow", str(flow))
    assert result.exit_code == 0, result.output
    code, doc = verify(simulator, url, "--flow", str(flow))
    assert code == 0, doc
    streams = by_stream(doc)
    assert streams["clientNotes"]["server_ids"] == simulator.store.count("client_notes")
    assert streams["clientNotes"]["destination_newest"] is not None
    assert streams["manual_contacts"]["server_ids"] == simulator.store.count("contacts")
    assert streams["manual_contacts"]["destination_newest"] is not None
    assert streams["manual_contacts"]["requests"] == 3  # 100 (the server's size), 20, none

    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "sources:\n"
        "  clientNotes: {template: search_client_notes}\n"
        "  broken: {template: search_clients, path: /no/such/route}\n"
    )
    code, doc = verify(simulator, url, "--flow", str(broken))
    assert code == 1
    assert doc["status"] == "error"
    assert doc["failed_streams"] == ["broken"]
    assert "404" in by_stream(doc)["broken"]["reason"]
    assert by_stream(doc)["clientNotes"]["status"] == "ok"


def test_a_hostile_server_does_not_fool_verify(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """Synced from the exact server, then verified against one that serves at most 7 records
    a page while echoing the size asked, gives no count, lists a fifth of the records twice
    (the copy an hour older) and reads some stamps as null: still an exact match, each id
    once, compared at its newest stamp."""
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}"
    sync(simulator, url, "--stream", "clients", "--stream", "contacts")
    simulator.profile = ServerProfile(
        page_cap=7, size_echo="asked", counts="missing", duplicates=20,
        duplicate_copy="older", null_stamps=10,
    )  # fmt: skip
    code, doc = verify(simulator, url, "--stream", "clients", "--stream", "contacts")
    assert code == 0, doc
    for name, check in by_stream(doc).items():
        assert check["server_ids"] == check["destination_rows"] == simulator.store.count(name)
        assert check["server_rows"] > check["server_ids"]  # the ids listed twice
        assert check["requests"] > check["server_rows"] // 7
