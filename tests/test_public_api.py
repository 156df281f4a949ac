"""The package's public API: `__all__` is complete, sorted and every name in it imports."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import types
from pathlib import Path

import clientsuccess_connector
from clientsuccess_connector import _LAZY

ROOT = Path(__file__).resolve().parent.parent


def test_all_is_sorted_and_every_name_imports() -> None:
    """Each name in `__all__` is importable from the package itself, without a deep import."""
    names = clientsuccess_connector.__all__
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    for module in set(_LAZY.values()):
        importlib.import_module(module)  # a submodule import must not shadow a public name
    for name in names:
        value = getattr(clientsuccess_connector, name)
        assert not isinstance(value, types.ModuleType), f"{name} is shadowed by a submodule"


def test_all_lists_every_public_name() -> None:
    """Every lazily loaded name and every name imported at the top is in `__all__`."""
    source = (ROOT / "src" / "clientsuccess_connector" / "__init__.py").read_text()
    imported = {
        alias.asname or alias.name
        for node in ast.parse(source).body
        if isinstance(node, ast.ImportFrom) and node.module != "__future__"
        for alias in node.names
        if node.module and node.module.startswith("clientsuccess_connector")
    }
    assert set(_LAZY) | imported == set(clientsuccess_connector.__all__)


def test_dir_lists_the_lazily_loaded_names() -> None:
    """`dir()` (what IDEs and the REPL complete from) shows every public name before first use."""
    listed = dir(clientsuccess_connector)
    assert set(clientsuccess_connector.__all__) <= set(listed)
    assert "Landing" in clientsuccess_connector.__all__


def test_unknown_name_is_an_attribute_error() -> None:
    """A typo gets Python's usual AttributeError, naming the missing attribute."""
    try:
        clientsuccess_connector.Conection  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "Conection" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def test_importing_the_package_stays_light() -> None:
    """`import clientsuccess_connector` does not pull in the HTTP client, DuckDB, Arrow or dlt."""
    code = (
        "import sys, clientsuccess_connector; "
        "print(','.join(m for m in ('httpx', 'duckdb', 'pyarrow', 'psycopg', 'dlt') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
