"""Secrets: after each scenario, no API key, password or session token anywhere.

Scanned: captured stdout and stderr, error messages, printed requests (--show-request,
--dry-run), results ledgers, the state table, the destination's bytes (DuckDB file, JSONL
and CSV directories) and the credentials config dir (outside the secret store itself).
The secrets are distinctive strings, searched raw and URL-encoded.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
from click.testing import CliRunner, Result
from keyring.backends import fail

from clientsuccess_connector.cli import cli
from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.connection.client import _MAX_RELOGINS
from clientsuccess_connector.errors import ConnectorError
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.simulator import SimulatorHandle
from tests.credentials.helpers import FakeKeyring
from tests.reliability.helpers import (
    API_KEY,
    PASSWORD,
    Row,
    TokenRecorder,
    all_secrets,
    scan,
    simulator,
    size,
)


@pytest.fixture(scope="module")
def sim() -> Iterator[tuple[SimulatorHandle, TokenRecorder]]:
    """One simulator for the module, with the suite's distinctive credentials."""
    with simulator(clients=6, seed=2) as pair:
        yield pair


def invoke(args: list[str], env: dict[str, str], stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, args, env=env, input=stdin, catch_exceptions=False)


def key_env(sim: SimulatorHandle) -> dict[str, str]:
    return {"CLIENTSUCCESS_BASE_URL": sim.api_v1_url, "CLIENTSUCCESS_API_KEY": API_KEY}


def login_env(sim: SimulatorHandle) -> dict[str, str]:
    return {"CLIENTSUCCESS_BASE_URL": sim.api_v1_url, "CLIENTSUCCESS_API_KEY": "",
            "CLIENTSUCCESS_USERNAME": sim.username, "CLIENTSUCCESS_PASSWORD": PASSWORD}  # fmt: skip


def record(results_table: list[Row], name: str, places: str, found: list[str], n: int) -> None:
    results_table.append(Row("secrets", name, "", places, 1, n, 0, 0, len(found)))
    assert found == []


def output(result: Result) -> str:
    return result.stdout + result.stderr


@pytest.mark.parametrize("auth", ["api key", "session login"])
def test_show_request_and_errors(
    sim: tuple[SimulatorHandle, TokenRecorder], auth: str, results_table: list[Row]
) -> None:
    handle, tokens = sim
    env = key_env(handle) if auth == "api key" else login_env(handle)
    texts = [
        output(invoke(["test", "search_clients", "--limit", "3", "--show-request"], env)),
        output(invoke(["test", "get_client", "-p", "clientId=nope", "--show-request"], env)),
        output(invoke(["paths", "search_contacts"], env)),
    ]
    wrong = {**env, "CLIENTSUCCESS_API_KEY": API_KEY + "-wrong"} if auth == "api key" else {
        **env, "CLIENTSUCCESS_PASSWORD": PASSWORD + "-wrong"}  # fmt: skip
    failed = invoke(["test", "search_clients", "--show-request"], wrong)
    assert failed.exit_code != 0
    texts.append(output(failed))
    assert "***" in texts[0]
    if auth == "session login":
        assert tokens.tokens, "no session token was issued"
    secrets = [*all_secrets(tokens), API_KEY + "-wrong", PASSWORD + "-wrong"]
    name = f"test / paths --show-request, bad id, wrong credentials ({auth})"
    found = scan(secrets, texts=texts)
    record(results_table, name, "stdout, stderr, error messages", found, size(texts=texts))


def test_expired_token_echoed_by_the_server_is_masked(
    sim: tuple[SimulatorHandle, TokenRecorder], results_table: list[Row]
) -> None:
    """The API echoes a refused token in its 401 body; the error must not show it."""
    handle, tokens = sim
    handle.faults.next("401", _MAX_RELOGINS + 2, method="GET")  # more than the re-logins allowed
    settings = ConnectionSettings(base_url=handle.api_v1_url, username=handle.username,
                                  password=PASSWORD, max_attempts=2)  # fmt: skip
    with (
        Connection(settings) as conn,
        Reader(conn) as reader,
        pytest.raises(ConnectorError) as info,
    ):
        list(reader.records(resolve(SourceSpec("c", template="search_clients"))))
    handle.faults.clear()
    text = str(info.value)
    assert "invalid_token" in text
    record(results_table, "401 invalid_token whose body echoes the token", "error message",
           scan(all_secrets(tokens), texts=[text]), size(texts=[text]))  # fmt: skip


def test_a_server_echoing_the_key_in_errors_and_urls_is_masked(results_table: list[Row]) -> None:
    """A hostile or buggy server that echoes the key in a body and a redirect URL."""

    def handler(request: httpx.Request) -> httpx.Response:
        key = request.headers.get("X-API-Key", "")
        return httpx.Response(400, text=f"<html>bad key {key} for {request.url}?k={key}</html>")

    settings = ConnectionSettings(base_url="http://api.test/api/v1", api_key=API_KEY)
    shown: list[str] = []
    transport = httpx.MockTransport(handler)
    with (
        Connection(settings, transport=transport, on_request=shown.append) as conn,
        Reader(conn) as reader,
        pytest.raises(ConnectorError) as info,
    ):
        list(reader.records(resolve(SourceSpec("c", template="search_clients"))))
    texts = [str(info.value), getattr(info.value, "body_excerpt", ""), *shown]
    assert "bad key ***" in texts[0]
    record(results_table, "server echoing the key in an error body", "error, excerpt, requests",
           scan(all_secrets(), texts=texts), size(texts=texts))  # fmt: skip


@pytest.mark.parametrize("kind", ["duckdb", "jsonl", "csv"])
def test_sync_logs_state_and_destination_hold_no_secret(
    sim: tuple[SimulatorHandle, TokenRecorder], tmp_path: Path, kind: str,
    results_table: list[Row],
) -> None:  # fmt: skip
    handle, tokens = sim
    url = (
        f"duckdb:///{tmp_path / 'out.duckdb'}" if kind == "duckdb" else f"{kind}:///{tmp_path}/out"
    )
    flow = tmp_path / "flow.yaml"
    flow.write_text("env: [U, P]\nconnection:\n  username: ${U}\n  password: ${P}\n"
                    "sources:\n  clients: {template: search_clients}\n"
                    "  notes: {template: search_client_notes}\n", encoding="utf-8")  # fmt: skip
    env = {"CLIENTSUCCESS_BASE_URL": handle.api_v1_url, "U": handle.username, "P": PASSWORD}
    texts = []
    for fmt in ("text", "json"):
        result = invoke(["--log-format", fmt, "sync", "--flow", str(flow), "--destination", url],
                        env)  # fmt: skip
        assert result.exit_code == 0, output(result)
        texts.append(output(result))
    texts.append(output(invoke(["schema", "--destination", url], env)))
    assert tokens.tokens, "the sync did not log in"
    found = scan(all_secrets(tokens), texts=texts, paths=[tmp_path])
    record(results_table, f"sync with a session login into {kind} (twice: text and JSON logs)",
           "logs, _cs_state, destination files", found,
           size(texts=texts, paths=[tmp_path]))  # fmt: skip


def test_write_ledger_dry_run_and_errors_hold_no_secret(
    sim: tuple[SimulatorHandle, TokenRecorder], tmp_path: Path, results_table: list[Row]
) -> None:
    handle, tokens = sim
    client = sorted(c["id"] for c in handle.store.records("clients"))[0]
    csv = tmp_path / "in.csv"
    csv.write_text(f"clientId,email,firstName\n{client},s1@example.com,{API_KEY}\n"
                   f"x,s2@example.com,B\n987654,s3@example.com,C\n", encoding="utf-8")  # fmt: skip
    ledger = tmp_path / "results.jsonl"
    env = login_env(handle)
    texts = [output(invoke(["write", "create_contact", "-i", str(csv), "--dry-run"], env))]
    handle.faults.next("drop", 1, route="create_contact")  # an unknown outcome, looked up
    handle.faults.next("401", 1, route="create_contact", skip=1)  # a token expiring mid-run
    texts.append(output(invoke(["write", "create_contact", "-i", str(csv), "--results",
                                str(ledger)], env)))  # fmt: skip
    texts.append(
        output(
            invoke(
                [
                    "--log-format",
                    "json",
                    "write",
                    "create_pulse",
                    "-i",
                    "-",
                    "--results",
                    str(tmp_path / "p.jsonl"),
                ],
                env,
                stdin=f'{{"clientId": {client}, "note": "n"}}\n{{"x": 1}}\n',
            )
        )
    )
    assert "POST" in texts[0] and "***" in texts[0]
    assert ledger.exists()
    secrets = [PASSWORD, *tokens.tokens]  # the API key is data in this scenario's first row
    found = scan(secrets, texts=texts, paths=[tmp_path])
    record(results_table, "write: dry run, row errors, dropped answer, token expiry",
           "stdout, stderr, printed requests, ledgers", found,
           size(texts=texts, paths=[tmp_path]))  # fmt: skip


# --- flow files: ${ENV} or owner-only files ----------------------------------------------------


def flow_with_literal(path: Path, mode: int) -> Path:
    path.write_text(f"connection:\n  api_key: {API_KEY}\n  password: {PASSWORD}\n"
                    f"  username: u@example.com\n", encoding="utf-8")  # fmt: skip
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("mode", "readable"),
    [(0o644, True), (0o640, True), (0o604, True), (0o600, False), (0o400, False)],
)
def test_literal_secret_in_a_flow_file_warns_without_echoing_it(
    sim: tuple[SimulatorHandle, TokenRecorder], tmp_path: Path, mode: int, readable: bool,
    results_table: list[Row],
) -> None:  # fmt: skip
    """A plain-text secret warns once, naming its keys; `chmod 600` when others can read it."""
    handle, _ = sim
    flow = flow_with_literal(tmp_path / "flow.yaml", mode)
    env = {"CLIENTSUCCESS_BASE_URL": handle.api_v1_url}
    result = invoke(["test", "--flow", str(flow), "--url", "/product/search", "--limit", "1"], env)
    text = output(result)
    assert result.exit_code == 0, text
    assert "warning:" in text and "plain text" in text, text
    assert text.count("plain text") == 1, text
    assert "connection.api_key, connection.password" in text
    assert ("chmod 600" in text) is readable, text
    record(
        results_table,
        f"flow file with literal secrets, mode {stat.filemode(mode)[1:]}",
        "warning, stdout, stderr",
        scan(all_secrets(), texts=[text]),
        size(texts=[text]),
    )


def test_env_references_in_a_readable_flow_file_do_not_warn(
    sim: tuple[SimulatorHandle, TokenRecorder], tmp_path: Path
) -> None:
    handle, _ = sim
    flow = tmp_path / "flow.yaml"
    flow.write_text("env: [CS_KEY]\nconnection:\n  api_key: ${CS_KEY}\n", encoding="utf-8")
    flow.chmod(0o644)
    env: dict[str, Any] = {"CLIENTSUCCESS_BASE_URL": handle.api_v1_url, "CS_KEY": API_KEY}
    result = invoke(["test", "--flow", str(flow), "--url", "/product/search", "--limit", "1"], env)
    assert result.exit_code == 0, output(result)
    assert "warning" not in output(result)
    assert scan(all_secrets(), texts=[output(result)]) == []


def test_the_scanner_finds_a_planted_secret(tmp_path: Path) -> None:
    """The scanner itself: raw and URL-encoded forms, in texts and in file bytes."""
    (tmp_path / "f.bin").write_bytes(b"\x00" + PASSWORD.encode() + b"\x00")
    assert scan([API_KEY], texts=[f"k={API_KEY}"])
    assert scan(["a b/c+d"], texts=["q=a+b%2Fc%2Bd"])
    assert scan([PASSWORD], paths=[tmp_path])
    assert scan(all_secrets(), texts=["nothing here"], paths=[]) == []


# --- named credentials: the secret lives only in the keyring or the 0600 secrets file --------


@pytest.fixture
def fresh_sim() -> Iterator[tuple[SimulatorHandle, TokenRecorder]]:
    """A simulator of its own: the module's one holds the API key as data (a written row)."""
    with simulator(clients=6, seed=5) as pair:
        yield pair


@pytest.mark.parametrize("backend", ["secrets file", "keyring"])
def test_named_credentials_hold_the_secret_only_in_the_secret_store(
    fresh_sim: tuple[SimulatorHandle, TokenRecorder], tmp_path: Path, backend: str,
    monkeypatch: pytest.MonkeyPatch, results_table: list[Row],
) -> None:  # fmt: skip
    """Every `credentials` command and every command run with `--credential`, then `remove`."""
    handle, tokens = fresh_sim
    config = tmp_path / "config"
    monkeypatch.setenv("CLIENTSUCCESS_CONFIG_DIR", str(config))
    fake = FakeKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(fake if backend == "keyring" else fail.Keyring())
    env = {"CLIENTSUCCESS_BASE_URL": "", "CLIENTSUCCESS_API_KEY": ""}
    out = tmp_path / "out"
    out.mkdir()
    client = sorted(c["id"] for c in handle.store.records("clients"))[0]
    rows = out / "pulses.jsonl"
    rows.write_text(f'{{"clientId": {client}, "note": "n"}}\n', encoding="utf-8")
    commands: list[tuple[list[str], str | None]] = [
        (["credentials", "add", "key", "--base-url", handle.api_v1_url], API_KEY + "\n"),
        (["credentials", "add", "login", "--base-url", handle.v2_url, "--username",
          handle.username, "--secret-stdin"], PASSWORD + "\n"),
        (["credentials", "add", "wrong", "--base-url", handle.api_v1_url, "--secret-stdin"],
         API_KEY + "-wrong\n"),
        (["credentials", "list"], None), (["credentials", "list", "--json"], None),
        (["credentials", "test", "key"], None), (["credentials", "test", "login"], None),
        (["credentials", "test", "wrong"], None),
        (["test", "search_clients", "--credential", "login", "--show-request"], None),
        (["--log-format", "json", "sync", "--credential", "key", "--destination",
          f"duckdb:///{out / 'db.duckdb'}"], None),
        (["sync", "--credential", "login", "--destination", f"jsonl:///{out / 'jsonl'}"], None),
        (["write", "create_pulse", "-i", str(rows), "--credential", "login", "--dry-run"], None),
        (["write", "create_pulse", "-i", str(rows), "--credential", "key", "--results",
          str(out / "results.jsonl")], None),
    ]  # fmt: skip
    try:
        texts = [output(invoke(args, env, stdin)) for args, stdin in commands]
        secrets = [*all_secrets(tokens), API_KEY + "-wrong"]
        stored = config / "secrets.toml"
        outside = [p for p in tmp_path.rglob("*") if p.is_file() and p != stored]
        found = scan(secrets, texts=texts, paths=outside)
        assert stored.exists() == (backend == "secrets file")
        assert len(fake.passwords) == (3 if backend == "keyring" else 0)
        for name in ("key", "login", "wrong"):
            texts.append(output(invoke(["credentials", "remove", name], env)))
        found += scan(secrets, texts=texts[-3:], paths=[tmp_path])  # now the store too
        assert fake.passwords == {}
    finally:
        keyring.set_keyring(previous)
    assert "works" in texts[5] and "works" in texts[6] and "refused" in texts[7]
    record(results_table, f"named credentials in the {backend}: add, list, test, --credential "
           "on test/sync/write, remove", "stdout, stderr, config dir, destinations, ledger",
           found, size(texts=texts, paths=[tmp_path]))  # fmt: skip
