"""Flow files through the CLI: every wrong type is exit 2 naming the key and the fix, plain-text
secrets are warned about once, and `validate` checks a file or prints its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.config.flow import load_flow
from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.errors import ConfigError

ENV = {"CLIENTSUCCESS_BASE_URL": "http://127.0.0.1:9/api/v1", "CLIENTSUCCESS_API_KEY": "k" * 16}
SOURCE = "sources:\n  pulses:\n    template: search_pulses\n"


def run(tmp_path: Path, text: str, *args: str) -> tuple[int, str]:
    flow = tmp_path / "flow.yaml"
    flow.write_text(text, encoding="utf-8")
    flow.chmod(0o600)
    result = CliRunner().invoke(cli, [*args, "--flow", str(flow)], env=ENV)
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "connection: {max_concurrency: four}\n",
            "connection.max_concurrency must be a whole number, not 'four'",
        ),
        ("connection: {timeout: 30s}\n", "connection.timeout must be a number of seconds"),
        (
            SOURCE + "    primary_key: 5\n",
            "sources.pulses.primary_key must be text (quote it) or a list",
        ),
        ("connection: {api_key: 12345}\n", "connection.api_key must be text; quote it"),
        (SOURCE + "    max_pages: ten\n", "sources.pulses.max_pages must be a whole number"),
        (SOURCE + "    max_pages: 0\n", "sources.pulses.max_pages must be at least 1"),
        (
            SOURCE + "    pagination: {type: cursor, cursor_path: 5}\n",
            "sources.pulses.pagination.cursor_path must be text",
        ),
        (
            SOURCE + "    pagination: {type: offset, limit: 5}\n",
            "pagination type 'offset' does not take limit",
        ),
        (SOURCE + "    response_format: csv\n", "'csv' is not one of auto, json, xml"),
        (
            SOURCE + "    data_pth: $.x\n",
            "sources.pulses: unknown key(s) data_pth (did you mean data_path?)",
        ),
        ("connection: {max_concurency: 4}\n", "(did you mean max_concurrency?)"),
        ("lookups: {c: {stream: pulses, fiel: x}}\n" + SOURCE, "(did you mean file?)"),
        ("templates: {create_pulse: {methd: PUT}}\n", "(did you mean method?)"),
        ("sources:\n  m:\n    url: /x\n    method: FETCH\n", "sources.m.method: 'FETCH' is not"),
        ("sources:\n  m:\n    url: /x\n    headers: 5\n", "sources.m.headers must be"),
        (
            "writes: {w: {template: create_pulse, input: a.csv, batch_size: 2.5}}\n",
            "writes.w.batch_size must be a whole number",
        ),
        ("destination: 5\n", "destination must be a URL such as duckdb:///data.duckdb"),
        ("destination: 'duckdb:///x.duckdb?schema=prod'\n", "destination: "),
        ("connection: {credential: [a]}\n", "connection.credential must be a name"),
        ("env: MY_TOKEN\n", "env must be a list of environment variable names"),
        ("colour: blue\n", "unknown key(s) colour"),
        ('sources:\n  m:\n    url: /x\n    data_path: "\\b"\n', "holds control characters"),
    ],
)
def test_a_wrong_value_exits_2_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    """Each mistake found by outside testers is one line naming the key path, exit 2, no bug."""
    code, err = run(tmp_path, text, "sync")
    assert code == 2, err
    assert message in err, err
    assert "this is a bug" not in err and len(err.strip().splitlines()) == 1, err


def test_a_numeric_api_key_is_refused_without_echoing_it(tmp_path: Path) -> None:
    """`api_key: 12345678` (unquoted) is a clear error that does not print the number."""
    code, err = run(tmp_path, "connection: {api_key: 8675309123}\n", "sync")
    assert code == 2 and "connection.api_key must be text" in err, err
    assert "8675309" not in err


def test_a_quoted_false_turns_tls_verification_off_rather_than_naming_a_file(
    tmp_path: Path,
) -> None:
    """`verify_tls: "false"` means false (it was taken as a certificate path)."""
    flow = tmp_path / "flow.yaml"
    flow.write_text('connection: {verify_tls: "false", max_concurrency: "3"}\n')
    settings = load_flow(flow, env={}).connection_settings(env={})
    assert settings.verify_tls is False and settings.max_concurrency == 3
    flow.write_text('connection: {verify_tls: "/etc/ssl/ca.pem"}\n')
    with pytest.raises(ConfigError, match=r"connection\.verify_tls must be true or false"):
        load_flow(flow, env={})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"timeout": "30s"}, "timeout must be a number of seconds"),
        ({"max_concurrency": "four"}, "max_concurrency must be a whole number"),
        ({"max_concurrency": True}, "max_concurrency must be a whole number"),
        ({"api_key": 12345}, "api_key must be text"),
        ({"verify_tls": "maybe"}, "verify_tls must be true or false"),
        ({"headers": {"X-A": 1}}, "headers.X-A must be text"),
        ({"requests_per_second": float("inf")}, "requests_per_second must be a finite number"),
    ],
)
def test_connection_settings_refuse_wrong_types(values: dict[str, object], message: str) -> None:
    """The library's settings type checks what it is given, as the flow file does."""
    with pytest.raises(ConfigError, match=message):
        ConnectionSettings(**values)  # type: ignore[arg-type]


# --- plain-text secrets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("connection: {api_key: abcdefgh12345678}\n", "connection.api_key"),
        ("connection: {username: u, password: hunter2hunter2}\n", "connection.password"),
        ("destination: 'postgresql://app:s3cretpw@db.test/x'\n", "destination"),
        (
            SOURCE + "    headers: {Authorization: Bearer abcdefgh}\n",
            "sources.pulses.headers.Authorization",
        ),
        (
            SOURCE + "    headers: 'X-Partner-Key:abcdefgh'\n",
            "sources.pulses.headers.X-Partner-Key",
        ),
        (
            SOURCE + "    headers: {X-Session-Token: abcdefgh}\n",
            "sources.pulses.headers.X-Session-Token",
        ),
    ],
)
def test_a_plain_text_secret_warns_once_without_its_value(
    tmp_path: Path, text: str, named: str
) -> None:
    """Keys, passwords in URLs and auth-like headers written literally get one warning."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(text, encoding="utf-8")
    flow.chmod(0o600)
    result = CliRunner().invoke(cli, ["validate", str(flow)], env=ENV)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("plain text") == 1, result.stderr
    assert named in result.stderr and "${CLIENTSUCCESS_" in result.stderr
    for secret in ("abcdefgh", "hunter2", "s3cretpw"):
        assert secret not in result.stderr


def test_secrets_from_variables_do_not_warn(tmp_path: Path) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "env: [PARTNER_TOKEN]\nconnection: {api_key: '${CLIENTSUCCESS_API_KEY}'}\n"
        + SOURCE + "    headers: {Authorization: 'Bearer ${PARTNER_TOKEN}'}\n",
        encoding="utf-8",
    )  # fmt: skip
    result = CliRunner().invoke(cli, ["validate", str(flow)], env={**ENV, "PARTNER_TOKEN": "t"})
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr


# --- validate and the JSON Schema ------------------------------------------------------------


def test_validate_checks_templates_and_params_without_sending(tmp_path: Path) -> None:
    """`validate` finds what `sync` would: a wrong parameter, before any request."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(SOURCE + "    params: {clientid: 4}\n")
    result = CliRunner().invoke(cli, ["validate", str(flow)], env=ENV)
    assert result.exit_code == 2 and "unknown parameter(s) clientid" in result.stderr
    flow.write_text(SOURCE)
    result = CliRunner().invoke(cli, ["validate", str(flow)], env=ENV)
    assert result.exit_code == 0 and "valid (1 source(s)" in result.output


def test_validate_prints_the_published_schema() -> None:
    """`validate --schema` prints the JSON Schema that docs/flow.schema.json holds."""
    result = CliRunner().invoke(cli, ["validate", "--schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    published = Path(__file__).resolve().parents[2] / "docs" / "flow.schema.json"
    assert schema == json.loads(published.read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    assert "max_concurrency" in json.dumps(schema["$defs"]["ConnectionModel"])
