"""Search envelopes: paging arithmetic, filters, sorting, modifiedAfter and parameter errors."""

from __future__ import annotations

import math
from collections import Counter

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientsuccess_connector.catalog import settings as catalog_settings
from clientsuccess_connector.simulator import SimulatorHandle

ROUTES = {
    "clients": "/client/search",
    "contacts": "/contact/search",
    "contracts": "/contract/search",
    "pulses": "/pulse/search",
    "client_notes": "/clientNote/search",
    "products": "/product/search",
}


def _all_pages(client: httpx.Client, path: str, **params: object) -> list[dict]:
    out: list[dict] = []
    page = 0
    while True:
        body = client.get(path, params={**params, "page": page}).json()
        out.extend(body["data"])
        if body["last"]:
            return out
        page += 1


@pytest.mark.parametrize("size", [1, 7, 100, 500])
@pytest.mark.parametrize("resource", ["contacts", "client_notes"])
def test_every_record_exactly_once(
    shared_client: httpx.Client, shared_simulator: SimulatorHandle, resource: str, size: int
) -> None:
    """Paging to `last` yields each record exactly once, for any page size."""
    records = _all_pages(shared_client, ROUTES[resource], size=size)
    ids = Counter(r["id"] for r in records)
    assert set(ids.values()) == {1}
    assert set(ids) == {r["id"] for r in shared_simulator.store.records(resource)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(min_value=1, max_value=600), page=st.integers(min_value=0, max_value=40))
def test_envelope_arithmetic(shared_simulator: SimulatorHandle, size: int, page: int) -> None:
    """first/last/page/size/totalPages/totalElements agree with the data on every page."""
    total = shared_simulator.store.count("pulses")
    r = httpx.get(
        f"{shared_simulator.v2_url}/pulse/search",
        params={"size": size, "page": page},
        headers={"X-API-Key": shared_simulator.api_key},
    )
    body = r.json()
    eff = min(size, catalog_settings().max_page_size)
    assert body["size"] == eff and body["page"] == page
    assert body["totalElements"] == total
    assert body["totalPages"] == math.ceil(total / eff)
    assert body["first"] is (page == 0)
    assert body["last"] is (page >= body["totalPages"] - 1)
    assert len(body["data"]) == max(0, min(eff, total - page * eff))


def test_size_defaults_to_100_and_clamps(shared_client: httpx.Client) -> None:
    """No size means 100; above the maximum it is clamped (500)."""
    assert shared_client.get("/clientNote/search").json()["size"] == 100
    assert shared_client.get("/clientNote/search", params={"size": 10_000}).json()["size"] == 500


@pytest.mark.parametrize(
    ("params", "field"),
    [({"page": -1}, "page"), ({"page": "x"}, "page"), ({"size": 0}, "size"),
     ({"size": "1.5"}, "size"), ({"modifiedAfter": "yesterday"}, "modifiedAfter"),
     ({"sortDirection": "up"}, "sortDirection"), ({"sortBy": "nope"}, "sortBy"),
     ({"clientId": "abc"}, "clientId")],
)  # fmt: skip
def test_bad_parameters_get_400_naming_them(
    shared_client: httpx.Client, params: dict, field: str
) -> None:
    """Bad paging, sorting or filter parameters answer 400 with the field named."""
    r = shared_client.get("/pulse/search", params=params)
    assert r.status_code == 400
    body = r.json()
    assert body["field"] == field and field in body["message"]
    assert body["error"] == "Bad Request" and body["path"] == "/v2/pulse/search"


def test_empty_result(shared_client: httpx.Client) -> None:
    """No match: data [], totalPages 0, first and last true."""
    body = shared_client.get("/clientNote/search", params={"clientId": 1}).json()
    assert body == {
        "data": [],
        "first": True,
        "last": True,
        "page": 0,
        "size": 100,
        "totalPages": 0,
        "totalElements": 0,
    }


def test_default_order_is_newest_first(shared_client: httpx.Client) -> None:
    """Without sortBy: createdTime (pulses: createdTimestamp) descending, ties by id."""
    notes = shared_client.get("/clientNote/search", params={"size": 500}).json()["data"]
    keys = [(n["createdTime"], n["id"]) for n in notes]
    assert keys == sorted(keys, reverse=True)
    pulses = shared_client.get("/pulse/search", params={"size": 500}).json()["data"]
    stamps = [p["createdTimestamp"] for p in pulses]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("field", ["modifiedTime", "name", "successScore"])
def test_sort_by_any_field(shared_client: httpx.Client, field: str, direction: str) -> None:
    """sortBy + sortDirection order the whole result (nulls lowest)."""
    records = _all_pages(
        shared_client, "/client/search", size=37, sortBy=field, sortDirection=direction
    )
    values = [(r[field] is not None, r[field] if r[field] is not None else 0) for r in records]
    assert values == sorted(values, reverse=direction == "desc")


def test_filters(shared_client: httpx.Client, shared_simulator: SimulatorHandle) -> None:
    """clientId, tenantClientId, email, status, name, subject filters match the store."""
    contact = shared_simulator.store.records("contacts")[5]
    client_id = contact["tenantClientId"]
    got = _all_pages(shared_client, "/contact/search", tenantClientId=client_id)
    assert {c["id"] for c in got} == {
        c["id"]
        for c in shared_simulator.store.records("contacts")
        if c["tenantClientId"] == client_id
    }
    got = _all_pages(shared_client, "/contact/search", email=contact["email"].upper())
    assert [c["id"] for c in got] == [contact["id"]]
    notes = _all_pages(shared_client, "/clientNote/search", clientId=client_id)
    assert notes and all(n["clientId"] == client_id for n in notes)
    renewal = _all_pages(shared_client, "/clientNote/search", subject="RENEWAL")
    assert renewal and all("renewal" in n["subject"].lower() for n in renewal)
    pulses = _all_pages(shared_client, "/pulse/search", note="dashboard")
    assert pulses and all("dashboard" in p["note"].lower() for p in pulses)
    trial = _all_pages(shared_client, "/client/search", status="TRIAL")
    assert trial and all(c["status"] == "TRIAL" for c in trial)
    named = _all_pages(shared_client, "/client/search", name="acme")
    assert all("acme" in c["name"].lower() for c in named)
    contracts = _all_pages(shared_client, "/contract/search", tenantClientId=client_id)
    assert all(k["tenantClientId"] == client_id for k in contracts)


@pytest.mark.parametrize(
    "stamp", ["2024-01-01", "2024-01-01T00:00:00.000000Z", "2024-01-01T00:00:00Z",
              "2024-01-01T00:00:00.000Z"],
)  # fmt: skip
def test_modified_after_both_forms(
    shared_client: httpx.Client, shared_simulator: SimulatorHandle, stamp: str
) -> None:
    """modifiedAfter keeps records modified strictly after the instant, date or ISO form."""
    got = _all_pages(shared_client, "/contact/search", modifiedAfter=stamp, size=500)
    want = {
        c["id"]
        for c in shared_simulator.store.records("contacts")
        if c["modifiedTime"] > "2024-01-01T00:00:00.000Z"
    }
    assert {c["id"] for c in got} == want


def test_modified_after_is_strict(shared_client: httpx.Client) -> None:
    """A record modified exactly at the instant is excluded."""
    newest = shared_client.get(
        "/contact/search", params={"sortBy": "modifiedTime", "size": 1}
    ).json()["data"][0]
    body = shared_client.get(
        "/contact/search", params={"modifiedAfter": newest["modifiedTime"]}
    ).json()
    assert newest["id"] not in {c["id"] for c in body["data"]}


def test_contract_notes_and_attachments_by_contract(
    shared_client: httpx.Client, shared_simulator: SimulatorHandle
) -> None:
    """Contract notes/attachments are searched per contract; an unknown contract is 404."""
    notes = shared_simulator.store.records("contract_notes")
    contract_id = notes[0]["tenantContractId"]
    body = shared_client.get(f"/contract/{contract_id}/notes").json()
    assert body["totalElements"] == sum(1 for n in notes if n["tenantContractId"] == contract_id)
    atts = shared_simulator.store.records("contract_attachments")
    cid = atts[0]["tenantContractId"]
    body = shared_client.get(f"/contract/{cid}/attachments").json()
    assert all(a["tenantContractId"] == cid for a in body["data"]) and body["data"]
    r = shared_client.get("/contract/1/notes")
    assert r.status_code == 404 and r.json()["field"] == "contractId"
