"""Hostile flow files: YAML bombs, huge files, Python tags, and `${VAR}` reaching too far.

A flow file may come from someone else (a ticket, a repository). Reading it must not take the
machine down, run code, or read arbitrary environment variables into requests, and secrets read
from the environment must stay masked in everything printed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.config.flow import load_flow
from clientsuccess_connector.config.yaml_file import MAX_FLOW_BYTES
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.simulator.server import SimulatorHandle

TOKEN = "tok-5d1e9a7c3b2f48e6"


def billion_laughs(levels: int) -> str:
    """The 462-byte alias bomb of the report, `levels` deep (9 aliases a level)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels):
        prev, name = chr(ord("a") + n - 1), chr(ord("a") + n)
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [6, 8, 12])
def test_a_yaml_alias_bomb_is_refused(tmp_path: Path, levels: int) -> None:
    """Nested aliases that expand past the limit are a config error naming aliases, not minutes
    of CPU and gigabytes of memory."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(billion_laughs(levels), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"YAML aliases \(\*name\) expand this file past"):
        load_flow(flow, env={})


def test_the_cli_refuses_an_alias_bomb_with_exit_2(tmp_path: Path) -> None:
    """The same bomb through `validate`: one line, exit 2."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(billion_laughs(8), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(flow)])
    assert result.exit_code == 2, result.output
    assert "YAML aliases" in result.stderr and "Traceback" not in result.output


def test_a_few_plain_aliases_still_work(tmp_path: Path) -> None:
    """Anchors and aliases used the ordinary way (shared params) keep working."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "sources:\n"
        "  a: {template: search_pulses, params: &p {clientId: 42}}\n"
        "  b: {template: search_pulses, params: *p}\n",
        encoding="utf-8",
    )
    assert load_flow(flow, env={}).sources["b"].params == {"clientId": 42}


def test_a_self_referencing_alias_is_refused(tmp_path: Path) -> None:
    """`&a [*a]` would loop forever in any walk over the document."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("sources: &a {x: *a}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="refers to itself"):
        load_flow(flow, env={})


def test_a_huge_flow_file_is_refused(tmp_path: Path) -> None:
    """A flow file past the size cap is refused before it is parsed, saying what the cap is."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("# " + "x" * MAX_FLOW_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="larger than 2 MB"):
        load_flow(flow, env={})


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    """Thousands of nested lists are a config error, not a RecursionError."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("sources: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="nested"):
        load_flow(flow, env={})


def test_python_tags_stay_refused(tmp_path: Path) -> None:
    """`!!python/object` never builds an object."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("sources: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="python/object"):
        load_flow(flow, env={})


# --- ${VAR}: values only, allowed names only ---------------------------------------------------


def test_an_undeclared_variable_is_refused(tmp_path: Path) -> None:
    """`${HOME}` in a URL is refused unless the flow declares it under `env:`."""
    flow = tmp_path / "flow.yaml"
    flow.write_text("sources:\n  s: {url: 'https://x.test/?h=${HOME}'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources\.s\.url: \$\{HOME\} is not a variable this"):
        load_flow(flow, env={"HOME": "/root"})
    flow.write_text("env: [HOME]\nsources:\n  s: {url: 'https://x.test/?h=${HOME}'}\n")
    assert load_flow(flow, env={"HOME": "/root"}).sources["s"].url == "https://x.test/?h=/root"


def test_keys_are_never_expanded(tmp_path: Path) -> None:
    """A `${VAR}` in a key is an error: a key is structure, never data from the environment."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "sources:\n  s:\n    url: /x\n    params: {'${CLIENTSUCCESS_API_KEY}': 1}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="expanded in values only, never in keys"):
        load_flow(flow, env={"CLIENTSUCCESS_API_KEY": "k" * 20})


def test_defaults_and_the_escape(tmp_path: Path) -> None:
    """`${VAR:-default}` when VAR is unset or empty; `$${` is a literal `${`."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "connection: {timeout: '${CLIENTSUCCESS_TIMEOUT:-45}'}\n"
        "sources:\n  s: {url: '/x?a=$${literal}&b=${CLIENTSUCCESS_B:-two}'}\n",
        encoding="utf-8",
    )
    loaded = load_flow(flow, env={"CLIENTSUCCESS_B": ""})
    assert loaded.sources["s"].url == "/x?a=${literal}&b=two"
    assert loaded.connection_settings(env={}).timeout == 45.0
    loaded = load_flow(flow, env={"CLIENTSUCCESS_B": "b", "CLIENTSUCCESS_TIMEOUT": "5"})
    assert loaded.sources["s"].url == "/x?a=${literal}&b=b"
    assert loaded.connection_settings(env={}).timeout == 5.0


def test_an_unset_variable_names_it_and_the_default_form(tmp_path: Path) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text("env: [MY_TOKEN]\nsources:\n  s: {url: '/x?t=${MY_TOKEN}'}\n")
    with pytest.raises(ConfigError, match=r"MY_TOKEN is not set; set it, or write \$\{MY_TOKEN:-"):
        load_flow(flow, env={})


def test_a_secret_looking_variable_is_masked_in_printed_requests(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A value read from `${MY_TOKEN}` into a URL or header never shows in --show-request."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "env: [MY_TOKEN]\n"
        "sources:\n"
        "  products:\n"
        "    url: /product/search?trace=${MY_TOKEN}\n"
        "    headers: {X-Trace: '${MY_TOKEN}'}\n"
        "    data_path: $.data[*]\n",
        encoding="utf-8",
    )
    env = {**simulator.env(), "MY_TOKEN": TOKEN}
    args = ["test", "--flow", str(flow), "products", "--limit", "1", "--show-request"]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert "--> GET" in result.stderr
    assert TOKEN not in result.output and TOKEN[:8] not in result.output
    assert "***" in result.stderr


def test_a_variable_error_under_an_odd_key_stays_on_one_line() -> None:
    """A key holding a line break is shown escaped, so the error is still one line."""
    from clientsuccess_connector.config.flow import parse_flow

    with pytest.raises(ConfigError) as caught:
        parse_flow({"connection": {"a\nb": "${UNDECLARED}"}}, path=Path("flow.yaml"), env={})
    assert "\n" not in str(caught.value)
    assert "'a\\nb'" in str(caught.value)
