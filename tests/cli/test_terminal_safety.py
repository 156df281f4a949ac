"""API values reach the terminal as plain text: no markup, no escape sequences, no crash."""

from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner, Result

from clientsuccess_connector.cli import cli
from tests.sinks.raw_server import serving

HOSTILE = {
    "id": 1,
    "markup": "closes [/] and [bold]opens[/bold] and [link=https://evil.example]x[/link]",
    "ansi": "\x1b[31mred\x1b[0m and a bell\x07 and a return\roverwrite",
    "emoji": ":smile: stays text",
    "\x1b[2Jkey": "a field name that clears the screen",
}


def run(*args: str) -> Result:
    body = orjson.dumps({"data": [HOSTILE]})
    with serving(body) as base_url:
        env = {"CLIENTSUCCESS_BASE_URL": base_url, "CLIENTSUCCESS_API_KEY": "k-terminal-test",
               "COLUMNS": "400"}  # fmt: skip
        return CliRunner().invoke(cli, [*args, "--url", "/things"], env=env)


@pytest.mark.parametrize("command", [["test"], ["paths"]])
def test_values_are_printed_as_plain_text(command: list[str]) -> None:
    result = run(*command)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\r" not in result.output


def test_markup_and_escapes_are_shown_as_typed() -> None:
    out = run("test").stdout
    assert "[/]" in out and "[bold]opens[/bold]" in out
    assert "\\x1b[31mred" in out and "\\x07" in out
    assert ":smile:" in out
    assert "\\x1b[2Jkey" in out
