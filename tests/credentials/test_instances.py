"""Two ClientSuccess instances side by side: each named credential syncs its own instance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from clientsuccess_connector.read.default_streams import DEFAULT_STREAMS
from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator
from clientsuccess_connector.sinks import open_sink
from tests.reliability.helpers import compare_with_simulator, scan

KEY_A = "sk-instance-A-3e81c0f2"
PASSWORD_B = "pw-instance-B-a7d24e19"


@pytest.fixture(scope="module")
def instances() -> Iterator[tuple[SimulatorHandle, SimulatorHandle]]:
    """Instance A takes an API key; instance B a login. Different data, different secrets."""
    with (
        run_simulator(SimulatorConfig(clients=8, seed=3, api_key=KEY_A)) as a,
        run_simulator(SimulatorConfig(clients=13, seed=4, api_key="sk-instance-B-unused",
                                      username="b@example.com", password=PASSWORD_B)) as b,
    ):  # fmt: skip
        yield a, b


def invoke(args: list[str], stdin: str | None = None, **env: str) -> Result:
    return CliRunner().invoke(cli, args, input=stdin, env=env, catch_exceptions=False)


def add_both(a: SimulatorHandle, b: SimulatorHandle) -> list[Result]:
    return [
        invoke(["credentials", "add", "a", "--base-url", a.api_v1_url, "--secret-stdin"],
               stdin=KEY_A + "\n"),
        invoke(["credentials", "add", "b", "--base-url", b.v2_url, "--auth", "token",
                "--username", "b@example.com"], stdin=PASSWORD_B + "\n"),
    ]  # fmt: skip


def assert_holds_exactly(sim: SimulatorHandle, url: str) -> None:
    """Every record of `sim` once, with its values, and nothing else."""
    expected, lost, duplicated = compare_with_simulator(sim, url)
    assert expected > 0 and (lost, duplicated) == (0, 0)
    with open_sink(url) as sink:
        for stream in DEFAULT_STREAMS:
            ids = {int(r["id"]) for r in sink.read_rows(stream)}
            assert ids == {int(r["id"]) for r in sim.store.records(stream)}, stream


@pytest.mark.parametrize("select", ["--credential", "flow file", "CLIENTSUCCESS_CREDENTIAL"])
@pytest.mark.parametrize("store", ["file", "keyring"])
def test_each_credential_syncs_its_own_instance_and_no_secret_leaks(
    instances: tuple[SimulatorHandle, SimulatorHandle], config_dir: Path, tmp_path: Path,
    request: pytest.FixtureRequest, select: str, store: str,
) -> None:  # fmt: skip
    a, b = instances
    if store == "keyring":
        request.getfixturevalue("fake_keyring")
    texts = [r.output for r in add_both(a, b)]
    texts.append(invoke(["credentials", "list", "--json"]).output)
    for name, sim in (("a", a), ("b", b)):
        url = f"duckdb:///{tmp_path / f'{name}.duckdb'}"
        args, env = ["sync", "--destination", url], {}
        if select == "--credential":
            args += ["--credential", name]
        elif select == "flow file":
            flow = tmp_path / f"{name}.yaml"
            flow.write_text(f"connection:\n  credential: {name}\n  max_concurrency: 2\n", "utf-8")
            args += ["--flow", str(flow)]
        else:
            env["CLIENTSUCCESS_CREDENTIAL"] = name
        result = invoke(args, **env)
        assert result.exit_code == 0, result.output
        texts.append(result.output)
        assert_holds_exactly(sim, url)
    secret_file = config_dir / "secrets.toml"
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p != secret_file]
    assert scan([KEY_A, PASSWORD_B], texts=texts, paths=files) == []
    assert secret_file.exists() == (store == "file")


def test_credentials_test_answers_in_plain_words(
    instances: tuple[SimulatorHandle, SimulatorHandle], config_dir: Path
) -> None:
    """Works (with the client count), refused (exit 1), unreachable (exit 1), unknown (exit 2)."""
    a, b = instances
    add_both(a, b)
    works = invoke(["credentials", "test", "a"])
    assert works.exit_code == 0
    assert works.stdout.strip() == f"credential a works: {a.api_v1_url} (8 clients)"
    assert "(13 clients)" in invoke(["credentials", "test", "b"]).stdout
    invoke(["credentials", "add", "wrong", "--base-url", a.api_v1_url, "--secret-stdin"],
           stdin="sk-not-the-key\n")  # fmt: skip
    refused = invoke(["credentials", "test", "wrong"])
    assert refused.exit_code == 1
    assert "credential wrong was refused" in refused.stdout and "401" in refused.stdout
    assert "check the API key" in refused.stdout and "sk-not-the-key" not in refused.output
    invoke(["credentials", "add", "wrong-login", "--base-url", b.v2_url, "--username",
            "b@example.com", "--secret-stdin"], stdin="pw-not-the-password\n")  # fmt: skip
    login = invoke(["credentials", "test", "wrong-login"])
    assert login.exit_code == 1 and "credential wrong-login was refused" in login.stdout
    assert "check the username b@example.com and its password" in login.stdout
    assert "pw-not-the-password" not in login.output
    gone = "http://127.0.0.1:9/api/v1"
    invoke(["credentials", "add", "gone", "--base-url", gone, "--secret-stdin"], stdin="k1234\n")
    unreachable = invoke(["credentials", "test", "gone"])
    assert unreachable.exit_code == 1
    assert f"credential gone: {gone} cannot be reached" in unreachable.stdout
    unknown = invoke(["credentials", "test", "nope"])
    assert unknown.exit_code == 2
    assert "no credential named 'nope' (known: a, b, gone, wrong, wrong-login)" in unknown.stderr


def test_test_paths_and_write_take_a_credential(
    instances: tuple[SimulatorHandle, SimulatorHandle], config_dir: Path, tmp_path: Path
) -> None:
    """`test`, `paths` and `write` reach the named instance; the key is masked when shown."""
    a, b = instances
    add_both(a, b)
    shown = invoke(["test", "search_clients", "--credential", "b", "--format", "json",
                    "--limit", "50", "--show-request"])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.count('"id"') >= 13 and "/v2/client/search" in shown.stderr
    assert invoke(["paths", "search_clients", "--credential", "a"]).exit_code == 0
    rows = tmp_path / "pulses.jsonl"
    client = min(c["id"] for c in a.store.records("clients"))
    rows.write_text(f'{{"clientId": {client}, "note": "from credential a"}}\n', "utf-8")
    before = len(b.store.records("pulses"))
    written = invoke(["write", "create_pulse", "-i", str(rows), "--credential", "a"])
    assert written.exit_code == 0, written.output
    assert any(p.get("note") == "from credential a" for p in a.store.records("pulses"))
    assert len(b.store.records("pulses")) == before
    dry = invoke(["write", "create_pulse", "-i", str(rows), "--credential", "a", "--dry-run"])
    assert dry.exit_code == 0 and "***" in dry.output
    assert scan([KEY_A, PASSWORD_B], texts=[shown.output, dry.output, written.output]) == []
