"""Credential tests run on real files in a temporary config dir, never the user's keyring.

- `config_dir`: CLIENTSUCCESS_CONFIG_DIR for the test; no CLIENTSUCCESS_* variable inherited.
- By default keyring's `fail` backend is active, so secrets go to the 0600 file.
- `fake_keyring`: an in-memory keyring registered with `keyring.set_keyring`, so secrets go there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from tests.credentials.helpers import FakeKeyring


@pytest.fixture(autouse=True)
def no_os_keyring() -> Iterator[None]:
    """Never touch the keyring of the machine running the tests."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def fake_keyring(no_os_keyring: None) -> FakeKeyring:
    """An in-memory OS keyring, active for this test."""
    backend = FakeKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh CLIENTSUCCESS_CONFIG_DIR; every other CLIENTSUCCESS_* variable unset."""
    for name in list(os.environ):
        if name.startswith("CLIENTSUCCESS_"):
            monkeypatch.delenv(name)
    path = tmp_path / "config"
    monkeypatch.setenv("CLIENTSUCCESS_CONFIG_DIR", str(path))
    return path
