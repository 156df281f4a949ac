"""`check-routes` tells which routes an instance knows, and changes nothing while asking."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator

MOVED = {"create_contact": "/contact/new", "delete_client_note": "/notes/{id}"}
COUNTED = ("clients", "contacts", "client_notes", "pulses", "contracts")


@pytest.fixture(scope="module")
def moved() -> Iterator[SimulatorHandle]:
    """A simulator whose create_contact and delete_client_note routes differ from ours."""
    with run_simulator(SimulatorConfig(clients=5, seed=2, moved_routes=MOVED)) as sim:
        yield sim


def run(sim: SimulatorHandle, *args: str) -> Result:
    return CliRunner().invoke(cli, ["check-routes", *args], env=sim.env(), catch_exceptions=False)


def verdicts(result: Result) -> dict[str, str]:
    return {row["template"]: row["verdict"] for row in json.loads(result.stdout)}


def test_moved_routes_are_reported_and_nothing_is_created(moved: SimulatorHandle) -> None:
    """Every route is known except the two moved ones; no record appears or disappears."""
    before = {name: moved.store.count(name) for name in COUNTED}
    result = run(moved, "--json")
    assert result.exit_code == 1
    found = verdicts(result)
    assert found.pop("create_contact") == "missing"
    assert found.pop("delete_client_note") == "wrong method"  # the path takes GET, PUT, PATCH
    assert set(found.values()) == {"known"}
    assert {name: moved.store.count(name) for name in COUNTED} == before


def test_a_flow_correction_is_what_gets_checked(moved: SimulatorHandle, tmp_path: Path) -> None:
    """With the flow's `templates:` corrections, the moved routes are known again."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "templates:\n  create_contact: {path: /contact/new}\n"
        "  delete_client_note: {path: '/notes/{id}'}\n"
    )
    result = run(moved, "create_contact", "delete_client_note", "--flow", str(flow), "--json")
    assert result.exit_code == 0, result.output
    assert verdicts(result) == {"create_contact": "known", "delete_client_note": "known"}


def test_dry_run_prints_the_exact_requests_and_sends_none(moved: SimulatorHandle) -> None:
    """--dry-run shows each request with the key masked; the simulator sees no request."""
    sent = moved.stats.requests()
    result = run(moved, "create_contact", "delete_client_note", "search_pulses", "--dry-run")
    assert result.exit_code == 0
    assert f"POST {moved.api_v1_url}/contact\n" in result.stdout
    assert "Content-Length: 0" in result.stdout
    assert f"OPTIONS {moved.api_v1_url}/clientNote/0\n" in result.stdout
    assert f"GET {moved.api_v1_url}/pulse/search?page=0&size=1\n" in result.stdout
    assert moved.api_key not in result.stdout
    assert moved.stats.requests() == sent


def test_a_stored_credential_is_checked_by_name(
    moved: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--credential NAME` connects with the stored credential, with no CLIENTSUCCESS_* set."""
    monkeypatch.setenv("CLIENTSUCCESS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for name in ("CLIENTSUCCESS_API_KEY", "CLIENTSUCCESS_BASE_URL", "CLIENTSUCCESS_CREDENTIAL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    added = runner.invoke(
        cli, ["credentials", "add", "moved", "--base-url", moved.api_v1_url, "--secret-stdin"],
        input=moved.api_key + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    result = runner.invoke(
        cli, ["check-routes", "create_contact", "--credential", "moved", "--json"]
    )
    assert result.exit_code == 1, result.output
    assert verdicts(result) == {"create_contact": "missing"}
    assert moved.api_key not in result.output
