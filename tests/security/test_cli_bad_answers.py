"""Inputs and answers that used to end in "unexpected ... (this is a bug)": each is now a clear
one-line error with its exit code, or simply works."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result

from tests.security.hostile import KEY, HostileServer, Received, leaked, response

DEPTH = 100_000
RunCli = Callable[..., Result]


def env(server: HostileServer) -> dict[str, str]:
    return {"CLIENTSUCCESS_BASE_URL": server.origin + "/api/v1", "CLIENTSUCCESS_API_KEY": KEY}


def answer(body: bytes) -> HostileServer:
    return HostileServer(
        lambda request, server: response(200, body, {"Content-Type": "application/json"})
    )


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl"])
def test_test_prints_a_record_nested_100k_levels_deep(fmt: str, run_cli: RunCli) -> None:
    """orjson stops at 254 levels when printing: the record is printed all the same."""
    deep = b"[" * DEPTH + b"]" * DEPTH
    with answer(b'{"data": [{"id": 1, "deep": ' + deep + b"}]}") as server:
        result = run_cli(["test", "--url", "/items", "--format", fmt], env=env(server))
    assert result.exit_code == 0, result.output
    assert "this is a bug" not in result.output
    if fmt != "table":
        assert result.stdout.count("[") > 500


def test_test_prints_integers_beyond_64_bits_as_json(run_cli: RunCli) -> None:
    """A 30-digit id is kept exact, and printing it is not a crash."""
    with answer(b'{"data": [{"id": 123456789012345678901234567890}]}') as server:
        for fmt in ("table", "json", "jsonl"):
            result = run_cli(["test", "--url", "/items", "--format", fmt], env=env(server))
            assert result.exit_code == 0, result.output
            assert "123456789012345678901234567890" in result.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://[::1/items", "is not a valid URL"),
        ("http://[::1]:99999/items", "invalid host or port"),
        ("http://[zz::1]/items", "is not a valid URL"),
    ],
)
def test_a_malformed_manual_url_is_a_usage_error(url: str, message: str, run_cli: RunCli) -> None:
    """An IPv6 literal without its `]`, or a port out of range: exit 2, nothing sent."""
    with answer(b"{}") as server:
        result = run_cli(["test", "--url", url], env=env(server))
    assert result.exit_code == 2, result.output
    assert message in result.output and "this is a bug" not in result.output
    assert server.received == []


def test_a_malformed_next_page_link_is_a_data_error(run_cli: RunCli) -> None:
    """A server's `next` link that is no URL ends the read with exit 1, naming the link."""

    def first_page(request: Received, server: HostileServer) -> bytes:
        body = b'{"data": [{"id": 1}], "next": "http://[::1/page2"}'
        return response(200, body, {"Content-Type": "application/json"})

    with HostileServer(first_page) as server:
        result = run_cli(
            ["test", "--url", "/items", "--data-path", "$.data[*]", "--limit", "5"],
            env=env(server),
        )
    assert result.exit_code == 1, result.output
    assert "next-page link 'http://[::1/page2'" in result.output
    assert "this is a bug" not in result.output


def test_a_non_ascii_api_key_is_a_usage_error_that_does_not_show_it(run_cli: RunCli) -> None:
    """The key cannot travel in a header: exit 2, and no piece of it is printed."""
    with answer(b"{}") as server:
        result = run_cli(
            ["test", "--url", "/items"],
            env={**env(server), "CLIENTSUCCESS_API_KEY": "clé-" + KEY},
        )
    assert result.exit_code == 2, result.output
    assert "non-ASCII" in result.output
    assert leaked([KEY], result.output) == []
    assert server.received == []
