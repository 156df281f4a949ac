"""`credentials add | list | remove` as a user types them: hidden prompts, plain answers."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from tests.credentials.helpers import FakeKeyring

SECRET = "sk-cli-SECRET-0b7e55"


def invoke(args: list[str], stdin: str | None = None, **env: str) -> Result:
    return CliRunner().invoke(cli, args, input=stdin, env=env, catch_exceptions=False)


def test_the_prompt_hides_the_secret(config_dir: Path) -> None:
    """Typed at a hidden prompt, the secret is not echoed; the answer says where it went."""
    result = invoke(["credentials", "add", "prod"], stdin=SECRET + "\n")
    assert result.exit_code == 0, result.output
    assert "API key:" in result.output and SECRET not in result.output
    assert f"secret in file {config_dir / 'secrets.toml'}" in result.output
    login = invoke(["credentials", "add", "eu", "--username", "me@example.com"], stdin="pw1234\n")
    assert "Password for me@example.com:" in login.output and "pw1234" not in login.output


def test_list_shows_names_urls_auth_and_where_the_secret_is(
    config_dir: Path, fake_keyring: FakeKeyring
) -> None:
    invoke(["credentials", "add", "prod", "--secret-stdin", "--api-key-header", "Authorization"],
           stdin=SECRET + "\n")  # fmt: skip
    invoke(["credentials", "add", "eu", "--base-url", "https://eu.test/v2", "--auth", "token",
            "--username", "me@example.com", "--secret-stdin"], stdin=SECRET + "-pw\n")  # fmt: skip
    table = invoke(["credentials", "list"], CLIENTSUCCESS_API_KEY=SECRET + "-env")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["name", "base", "URL", "auth", "secret", "in"]
    assert lines[1].split()[:2] == ["eu", "https://eu.test/v2"]
    assert "token (login me@example.com)" in lines[1] and "the OS keyring" in lines[1]
    assert "API key in Authorization" in lines[2]
    assert lines[3].split()[0] == "environment" and "CLIENTSUCCESS_* variables" in lines[3]
    listed = orjson.loads(invoke(["credentials", "list", "--json"]).stdout)
    assert [c["name"] for c in listed] == ["eu", "prod"]
    assert set(listed[0]) == {"name", "base_url", "auth", "api_key_header", "username",
                              "secret_location"}  # fmt: skip
    assert listed[0]["secret_location"] == "keyring"
    assert SECRET not in table.output + orjson.dumps(listed).decode()


def test_remove_forgets_the_credential_and_its_secret(config_dir: Path) -> None:
    invoke(["credentials", "add", "prod", "--secret-stdin"], stdin=SECRET + "\n")
    removed = invoke(["credentials", "remove", "prod"])
    assert removed.exit_code == 0 and "removed credential prod" in removed.output
    assert SECRET not in (config_dir / "secrets.toml").read_text("utf-8")
    assert "no credentials yet" in invoke(["credentials", "list"]).output
    assert invoke(["credentials", "remove", "prod"]).exit_code == 2


def test_bad_input_is_one_line_and_exit_2(config_dir: Path) -> None:
    """Before any secret is asked for or stored."""
    cases = {
        ("credentials", "add", "a b"): "letters, digits",
        ("credentials", "add", "x", "--auth", "token"): "--auth token needs --username",
        ("credentials", "add", "x", "--username", "u", "--auth", "api-key"): "--username is for",
        ("credentials", "add", "x", "--base-url", "api.test"): "is not an http(s) URL",
        ("credentials", "add", "x", "--secret-stdin"): "no API key on stdin",
    }
    for args, message in cases.items():
        result = invoke(list(args), stdin="")
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, args
    assert not (config_dir / "secrets.toml").exists()


def test_a_corrupt_credentials_file_is_a_one_line_error(config_dir: Path) -> None:
    config_dir.mkdir()
    (config_dir / "credentials.toml").write_text("[prod\n", encoding="utf-8")
    result = invoke(["credentials", "list"])
    assert result.exit_code == 2
    assert "credentials.toml is not valid TOML" in result.stderr and "line 1" in result.stderr


def test_running_without_any_credentials_names_every_way_to_give_them(
    config_dir: Path,
) -> None:
    """With nothing configured, the error names the variables, the flow key and --credential."""
    result = CliRunner().invoke(cli, ["test", "search_clients"])
    assert result.exit_code == 2
    for way in ("CLIENTSUCCESS_API_KEY", "connection:", "--credential NAME", "credentials list"):
        assert way in result.output
