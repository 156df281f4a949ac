"""A source is compiled once into the request plan every command sends, and everything a run
would refuse before its first request is refused by `validate` too (one test per finding)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import httpx
import pytest
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.simulator.profile import ServerProfile


def invoke(sim: SimulatorHandle, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=sim.env(), catch_exceptions=False)


def write_flow(folder: Path, sources: str, extra: str = "") -> Path:
    flow = folder / "flow.yaml"
    flow.write_text(f"destination: duckdb:///{folder / 'out.duckdb'}\nsources:\n{sources}{extra}")
    return flow


def stored(folder: Path, table: str) -> set[int]:
    with duckdb.connect(str(folder / "out.duckdb"), read_only=True) as con:
        return {row[0] for row in con.execute(f"SELECT id FROM {table}").fetchall()}


def filtered(sim: SimulatorHandle, route: str, **query: object) -> set[int]:
    with httpx.Client(base_url=sim.api_v1_url, headers={"X-API-Key": sim.api_key}) as http:
        body = http.get(route, params={**query, "size": 1000}).json()
    assert body["last"]
    return {record["id"] for record in body["data"]}


def test_a_query_in_the_url_goes_with_every_page(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """`url: /pulse/search?modifiedAfter=...` stored every pulse (1,514 for 481 on 300 clients):
    pages after the first went out without the query."""
    flow = write_flow(tmp_path, "  p:\n    url: /pulse/search?modifiedAfter=2025-03-01\n"
                                "    primary_key: [id]\n    page_size: 5\n"
                                "    pagination: envelope\n")  # fmt: skip
    assert invoke(simulator, "sync", "--flow", str(flow), "-q").exit_code == 0
    wanted = filtered(simulator, "/pulse/search", modifiedAfter="2025-03-01")
    assert 0 < len(wanted) < simulator.store.count("pulses")
    assert stored(tmp_path, "p") == wanted


def test_a_fan_out_in_the_url_sends_one_series_per_value(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """`url: /pulse/search?clientId={c.id}` over 3 ids made 8,796 requests and stored every
    pulse."""
    ids = [record["id"] for record in simulator.store.records("clients")][:3]
    (tmp_path / "ids.csv").write_text("id\n" + "\n".join(map(str, ids)) + "\n")
    flow = write_flow(tmp_path, "  p:\n    url: /pulse/search?clientId={c.id}\n"
                      "    primary_key: [id]\n", "lookups:\n  c: {file: ids.csv}\n")  # fmt: skip
    simulator.stats.reset()
    assert invoke(simulator, "sync", "--flow", str(flow), "-q").exit_code == 0
    wanted = set().union(*(filtered(simulator, "/pulse/search", clientId=i) for i in ids))
    assert stored(tmp_path, "p") == wanted
    searches = [r for r in simulator.stats.request_log() if r.path.endswith("/pulse/search")]
    assert len(searches) == 3 + 3  # one read per id, plus the three checks above


def test_the_starter_flow_sends_its_date_filter_on_every_page(
    simulator: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`init`'s `recent_notes` (a query with a date macro in `url:`) filters every page."""
    monkeypatch.chdir(tmp_path)
    assert invoke(simulator, "init").exit_code == 0
    flow = (tmp_path / "flow.yaml").read_text().replace("{now-10}", "{now-2}")
    (tmp_path / "flow.yaml").write_text(flow)
    simulator.stats.reset()
    destination = f"duckdb:///{tmp_path / 'out.duckdb'}"
    result = invoke(simulator, "sync", "--flow", "flow.yaml", "--stream", "recent_notes",
                    "--destination", destination, "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    sent = [r for r in simulator.stats.request_log() if r.path.endswith("/clientNote/search")]
    assert len(sent) > 1 and all("modifiedAfter" in dict(r.query) for r in sent)
    after = dict(sent[0].query)["modifiedAfter"]
    assert stored(tmp_path, "recent_notes") == filtered(
        simulator, "/clientNote/search", modifiedAfter=after
    )


def test_a_lookup_column_no_record_has_is_an_error(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """`{c.idd}` over a stream lookup read 0 records and exited 0."""
    flow = write_flow(tmp_path, "  k: {template: search_contracts}\n"
                      "  kc: {url: '/contract/{c.idd}', primary_key: [id]}\n",
                      "lookups:\n  c: {stream: k}\n")  # fmt: skip
    for command in (["sync", "--flow", str(flow)], ["test", "--flow", str(flow), "kc"]):
        result = invoke(simulator, *command)
        assert result.exit_code == 2, result.output
        assert "has no column 'idd'" in result.output and "available columns: " in result.output


def test_a_lookup_with_no_values_says_so(simulator: SimulatorHandle, tmp_path: Path) -> None:
    (tmp_path / "ids.csv").write_text("id\n\n")
    flow = write_flow(tmp_path, "  kc: {url: '/contract/{e.id}', primary_key: [id]}\n",
                      "lookups:\n  e: {file: ids.csv}\n")  # fmt: skip
    result = invoke(simulator, "sync", "--flow", str(flow), "--format", "json", "-q")
    assert result.exit_code == 0
    [row] = json.loads(result.stdout)["streams"]
    assert row["notes"] == ["no requests made: lookup 'e' has no value of id (0 row(s) with an "
                            "empty value)"]  # fmt: skip


def test_max_records_is_a_choice_not_a_failure(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """A capped synced source failed ("cannot prove the stream complete") and read past the cap."""
    flow = write_flow(tmp_path, "  k: {template: search_contracts, max_records: 7}\n")
    for _ in range(2):
        result = invoke(simulator, "sync", "--flow", str(flow), "--format", "json", "-q")
        assert result.exit_code == 0, result.output
        [row] = json.loads(result.stdout)["streams"]
        assert (row["status"], row["capped_at"], row["records"]) == ("capped", 7, 7)
        assert row["cursor"] is None  # nothing claims the stream was read whole
    assert len(stored(tmp_path, "k")) == 7
    table = invoke(simulator, "sync", "--flow", str(flow))
    assert "capped at 7 (max_records)" in table.output


# Each mistake a run refuses before its first request, and the command that refuses it.
COMPILE_ERRORS = {
    "misspelt date macro in url": (
        "  s: {url: '/clientNote/search?modifiedAfter={nwo-7}', primary_key: [id]}\n", "",
        ["test", "s"], "did you mean {now-7}?"),
    "misspelt date macro in params": (
        "  s: {url: /clientNote/search, params: {modifiedAfter: '{nwo-7}'}, primary_key: [id]}\n",
        "", ["test", "s"], "unknown macro {nwo-7}"),
    "undeclared lookup": (
        "  s: {url: '/contract/{contrcts.id}', primary_key: [id]}\n",
        "lookups:\n  contracts: {stream: k}\n", ["sync"], "did you mean 'contracts'?"),
    "bad date format": (
        "  s: {url: '/clientNote/search?modifiedAfter={now-7}', date_format: 'yyyy-MM-dd Q', "
        "primary_key: [id]}\n", "", ["test", "s"], "unknown pattern letter 'Q'"),
    "key in url and params": (
        "  s: {url: '/pulse/search?clientId=1', params: {clientId: 2}, primary_key: [id]}\n", "",
        ["test", "s"], "given both in `url:` and in `params:`"),
    "key the paginator sets": (
        "  s: {url: '/pulse/search?page=2', pagination: envelope, primary_key: [id]}\n", "",
        ["sync"], "is set by the pagination"),
    "no primary key for sync": ("  s: {url: /pulse/search}\n", "", ["sync"], "no primary key"),
    "write map naming no field": (
        "  s: {template: search_pulses}\n",
        "writes:\n  w: {template: create_pulse, input: in.csv, map: {clientId: a, nope: b}}\n",
        ["write", "w"], "names 'nope', which is not a field of create_pulse"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(COMPILE_ERRORS))
def test_validate_refuses_what_a_run_refuses(
    simulator: SimulatorHandle, tmp_path: Path, case: str
) -> None:
    """`validate` said "valid" for flows that `test`, `sync` or `write` then refused."""
    sources, extra, command, message = COMPILE_ERRORS[case]
    flow = write_flow(tmp_path, "  k: {template: search_contracts}\n" + sources, extra)
    (tmp_path / "in.csv").write_text("a,b\n1,x\n")
    simulator.stats.reset()
    run = invoke(simulator, command[0], "--flow", str(flow), *command[1:])
    assert run.exit_code == 2 and message in run.output, run.output
    assert simulator.stats.requests() == 0  # refused before sending anything
    validated = invoke(simulator, "validate", str(flow))
    assert validated.exit_code == 2 and message in validated.output, validated.output


def test_check_routes_tells_a_missing_record_from_a_missing_route(
    simulator: SimulatorHandle,
) -> None:
    """On a server whose 404s all look alike, five working get_* routes were reported missing."""
    simulator.profile = ServerProfile(not_found="plain")
    gets = ["get_client", "get_contact", "get_contract", "get_pulse", "get_client_note"]
    result = invoke(simulator, "check-routes", *gets, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {(r["verdict"], r["certainty"]) for r in rows} == {("known", "sure")}
    simulator.profile = ServerProfile()


def test_a_base_url_without_an_api_root_is_named(simulator: SimulatorHandle) -> None:
    """A base URL without /v2 or /api/v1 answers 404; the hint blamed a template's route."""
    result = CliRunner().invoke(
        cli, ["test", "search_clients"],
        env={**simulator.env(), "CLIENTSUCCESS_BASE_URL": simulator.base_url},
    )  # fmt: skip
    assert result.exit_code == 1
    assert "neither /api/v1 nor /v2" in result.output and "templates:" not in result.output


def test_a_host_that_does_not_resolve_is_named_and_not_retried(
    simulator: SimulatorHandle,
) -> None:
    """An unresolvable host was retried six times (11.5 s) as `could not connect`."""
    result = CliRunner().invoke(
        cli, ["test", "search_clients", "-v"],
        env={**simulator.env(), "CLIENTSUCCESS_BASE_URL": "http://no-such-host.invalid/api/v1"},
    )  # fmt: skip
    assert result.exit_code == 1
    assert "host not found: 'no-such-host.invalid'" in result.output
    assert "retry" not in result.output.lower()
