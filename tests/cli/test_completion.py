"""Shell completion: the scripts docs/install.md tells users to load, and what they complete."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = str(Path(sys.executable).with_name("clientsuccess-connector"))
VARIABLE = "_CLIENTSUCCESS_CONNECTOR_COMPLETE"


def _complete(words: str, config_dir: Path) -> list[str]:
    """What bash completion offers after `words` (the last word being completed)."""
    env = {
        **os.environ,
        VARIABLE: "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        "CLIENTSUCCESS_CONFIG_DIR": str(config_dir),
    }
    done = subprocess.run([COMMAND], env=env, capture_output=True, text=True, check=True)
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if "," in line]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_completion_script(shell: str) -> None:
    """`_CLIENTSUCCESS_CONNECTOR_COMPLETE=<shell>_source` prints a script for that shell."""
    env = {**os.environ, VARIABLE: f"{shell}_source"}
    done = subprocess.run([COMMAND], env=env, capture_output=True, text=True, check=True)
    assert "_clientsuccess_connector_completion" in done.stdout.replace("-", "_")


def test_commands_templates_and_write_templates_complete(tmp_path: Path) -> None:
    """Commands, read template names for `test` and write template names for `write`."""
    assert {"templates", "test"} <= set(_complete("clientsuccess-connector te", tmp_path))
    assert _complete("clientsuccess-connector test search_pu", tmp_path) == ["search_pulses"]
    assert "create_pulse" in _complete("clientsuccess-connector write create_p", tmp_path)
    # `s` would match the read templates' `search_...` too: `write` offers write templates only.
    writes = _complete("clientsuccess-connector write s", tmp_path)
    assert not [name for name in writes if name.startswith("search_")]
    assert "search_pulses" in _complete("clientsuccess-connector templates s", tmp_path)


def test_credential_names_complete_and_a_missing_store_completes_nothing(tmp_path: Path) -> None:
    """`--credential` completes stored names; with no store there is nothing, and no error."""
    assert _complete("clientsuccess-connector sync --credential ", tmp_path) == []
    env = {
        **os.environ,
        "CLIENTSUCCESS_CONFIG_DIR": str(tmp_path),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never the machine's keyring
    }
    add = [COMMAND, "credentials", "add", "prod", "--secret-stdin"]
    subprocess.run(add, input="k" * 24, env=env, capture_output=True, text=True, check=True)
    assert _complete("clientsuccess-connector sync --credential p", tmp_path) == ["prod"]
