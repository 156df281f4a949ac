"""What a source configures is what every request sends: generated sources, checked in the
simulator's request log and against the server's own filtered set.

A source's query may be written in `url:`, in `params:` or split between them, with a date
filter, a client filter or a fan-out over a lookup file, under each paginator that pages a
ClientSuccess search, at page sizes down to 1. Every request the read sends must carry exactly
the source's query plus the paginator's own keys (`page`, `size`), and the rows a sync stores
must be exactly the records the filter selects.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator

PAGING_KEYS = {"page", "size"}
ROUTES = {"pulses": "/pulse/search", "notes": "/clientNote/search"}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorHandle]:
    """A simulator of its own: the test reads its request log."""
    with run_simulator(SimulatorConfig(clients=12, seed=5)) as handle:
        yield handle


@pytest.fixture(scope="module")
def client_ids(sim: SimulatorHandle) -> list[int]:
    return [record["id"] for record in sim.store.records("clients")][:6]


def server_ids(sim: SimulatorHandle, route: str, query: dict[str, Any]) -> set[int]:
    """The ids the server's own filter selects (the ground truth), one big page at a time."""
    ids: set[int] = set()
    with httpx.Client(base_url=sim.api_v1_url, headers={"X-API-Key": sim.api_key}) as http:
        page = 0
        while True:
            body = http.get(route, params={**query, "page": page, "size": 1000}).json()
            ids.update(record["id"] for record in body["data"])
            if body["last"]:
                return ids
            page += 1


@st.composite
def sources(draw: st.DrawFn, client_ids: list[int]) -> dict[str, Any]:
    """A manual source over a search, its query placed in `url:`, `params:` or both."""
    kind = draw(st.sampled_from(sorted(ROUTES)))
    fan_out = draw(st.booleans())
    query: dict[str, str] = {}
    if draw(st.booleans()) or not fan_out:
        query["modifiedAfter"] = draw(st.sampled_from(["2025-01-01", "2025-06-01", "{now-400}"]))
    lookup_ids = draw(st.lists(st.sampled_from(client_ids), min_size=1, max_size=3, unique=True))
    if fan_out:
        query["clientId"] = "{c.id}"
    elif draw(st.booleans()):
        query["clientId"] = str(lookup_ids[0])
    in_url = {key for key in query if draw(st.booleans())}
    pagination = draw(st.sampled_from(["auto", "envelope", "page_number"]))
    size = draw(st.sampled_from([1, 2, 3, 7, 50]))
    return {
        "kind": kind, "query": query, "in_url": in_url, "pagination": pagination,
        "size": size, "lookup_ids": lookup_ids if fan_out else [],
    }  # fmt: skip


def flow_text(source: dict[str, Any], base_url: str, destination: str) -> str:
    url = ROUTES[source["kind"]]
    url_query = "&".join(f"{k}={v}" for k, v in source["query"].items() if k in source["in_url"])
    params = {k: v for k, v in source["query"].items() if k not in source["in_url"]}
    lines = [
        "connection:", f"  base_url: {base_url}", "  api_key: ${CLIENTSUCCESS_API_KEY}",
        f"destination: '{destination}'", "sources:",
        "  s:", f"    url: '{url}{'?' + url_query if url_query else ''}'",
        "    primary_key: [id]",
    ]  # fmt: skip
    if params:
        lines.append("    params: {" + ", ".join(f"{k}: '{v}'" for k, v in params.items()) + "}")
    if source["pagination"] != "auto":
        lines.append(f"    pagination: {source['pagination']}")
        lines.append(f"    page_size: {source['size']}")
    if source["lookup_ids"]:
        lines += ["lookups:", "  c: {file: ids.csv}"]
    return "\n".join(lines) + "\n"


def rendered(value: str, client: int | None) -> set[str]:
    """The values a query value may take on the wire (a date macro: any recent day)."""
    if value == "{c.id}":
        return {str(client)}
    return {value} if not value.startswith("{now") else set()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_request_carries_the_source_query_and_the_rows_are_the_filtered_set(
    sim: SimulatorHandle, client_ids: list[int], tmp_path: Path, data: st.DataObject
) -> None:
    source = data.draw(sources(client_ids))
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    (folder / "ids.csv").write_text("id\n" + "\n".join(map(str, source["lookup_ids"])) + "\n")
    database = folder / "out.duckdb"
    flow = folder / "flow.yaml"
    flow.write_text(flow_text(source, sim.api_v1_url, f"duckdb:///{database}"))
    before = len(sim.stats.request_log())
    result = CliRunner().invoke(
        cli,
        ["sync", "--flow", str(flow), "-q"],
        env={"CLIENTSUCCESS_API_KEY": sim.api_key},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    sent = [r for r in sim.stats.request_log()[before:] if r.path.endswith(ROUTES[source["kind"]])]
    assert sent, "the read sent no request"

    wanted = source["query"]
    for request in sent:
        keys = [key for key, _ in request.query]
        assert len(keys) == len(set(keys)), f"a key sent twice: {request}"
        query = dict(request.query)
        assert set(query) - PAGING_KEYS == set(wanted), f"{request} for {wanted}"
        client = int(query["clientId"]) if "clientId" in query else None
        for key, value in wanted.items():
            allowed = rendered(value, client)
            assert not allowed or query[key] in allowed, f"{key}={query[key]} in {request}"
        if source["pagination"] != "auto":
            assert query.get("size") == str(source["size"]), request

    expected: set[int] = set()
    literal = {k: v for k, v in wanted.items() if not v.startswith("{")}
    dated = {k: v for k, v in wanted.items() if v.startswith("{now")}
    for key in dated:  # the macro as this run rendered it, read back from what was sent
        literal[key] = dict(sent[0].query)[key]
    for client in source["lookup_ids"] or [None]:
        query = {**literal, **({"clientId": client} if client is not None else {})}
        expected |= server_ids(sim, ROUTES[source["kind"]], query)
    with duckdb.connect(str(database), read_only=True) as con:
        stored = {row[0] for row in con.execute("SELECT id FROM s").fetchall()}
    assert stored == expected
