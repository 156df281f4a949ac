"""Reads survive the API misbehaving: every record exactly once, and the key never leaks."""

from __future__ import annotations

import pytest

from clientsuccess_connector.errors import ApiError
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.simulator import SimulatorHandle
from tests.integration.helpers import connect


def note_ids(sim: SimulatorHandle, **overrides: object) -> list[object]:
    """Every client-note id read through the connector, in the order read."""
    with connect(sim, **overrides) as conn, Reader(conn) as reader:
        source = resolve(SourceSpec("notes", template="search_client_notes", page_size=20))
        return [r["id"] for r in reader.records(source)]


@pytest.mark.parametrize("kind", ["429", "503", "drop", "truncate"])
def test_faults_mid_read_end_with_every_record_once(simulator: SimulatorHandle, kind: str) -> None:
    """429 + Retry-After, 503 HTML, dropped connections and truncated JSON are all retried."""
    simulator.faults.configure(retry_after=0)
    simulator.faults.next(kind, count=3, route="search_client_notes", skip=2)
    ids = note_ids(simulator)
    assert len(ids) == len(set(ids))
    assert set(ids) == {r["id"] for r in simulator.store.records("client_notes")}
    assert simulator.faults.pending() == []


def test_random_faults_at_twenty_percent(simulator: SimulatorHandle) -> None:
    """A fifth of all requests failing in assorted ways still reads everything once."""
    simulator.faults.configure(fault_rate=0.2, retry_after=0, seed=3)
    ids = note_ids(simulator, max_attempts=10)
    assert sorted(ids) == sorted(r["id"] for r in simulator.store.records("client_notes"))


def test_token_expiry_mid_run_logs_in_again(simulator: SimulatorHandle) -> None:
    """A session token that expires between pages is renewed once and the read goes on."""
    simulator.faults.next("401", count=1, route="search_client_notes", skip=2)
    with (
        connect(simulator, api_key=None, username=simulator.username,
                password=simulator.password) as conn,
        Reader(conn) as reader,
    ):  # fmt: skip
        source = resolve(SourceSpec("notes", template="search_client_notes", page_size=25))
        ids = [r["id"] for r in reader.records(source)]
        assert conn.stats.statuses.get(401, 0) >= 1
        assert conn._token is not None
        assert conn._token.logins == 2  # the first login and exactly one renewal
    assert sorted(ids) == sorted(r["id"] for r in simulator.store.records("client_notes"))


def test_persistent_failure_gives_up_with_the_url_and_no_key(simulator: SimulatorHandle) -> None:
    """When retries run out the error names the URL and status, never the key."""
    simulator.faults.configure(rate_503=1.0, retry_after=0)
    with pytest.raises(ApiError) as info:
        note_ids(simulator, max_attempts=2)
    assert "503" in str(info.value)
    assert "/clientNote/search" in str(info.value)
    assert simulator.api_key not in str(info.value)


def test_wrong_key_is_an_auth_error(simulator: SimulatorHandle) -> None:
    """A wrong API key fails at once (401 is not retried) and says what to check."""
    with pytest.raises(ApiError, match="401") as info:
        note_ids(simulator, api_key="wrong-key-123456")
    assert "CLIENTSUCCESS_API_KEY" in str(info.value)
    assert "wrong-key-123456" not in str(info.value)


def test_v2_base_with_session_token(simulator: SimulatorHandle) -> None:
    """The same templates work against /v2 with a username/password login."""
    with (
        connect(simulator, base_url=simulator.v2_url, api_key=None,
                username=simulator.username, password=simulator.password) as conn,
        Reader(conn) as reader,
    ):  # fmt: skip
        source = resolve(SourceSpec("clients", template="search_clients"))
        ids = {r["id"] for r in reader.records(source)}
    assert ids == {r["id"] for r in simulator.store.records("clients")}
