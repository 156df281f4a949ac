"""Entry points over `write_records`: an input spec (the CLI) and a flow file's `writes:` entry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from clientsuccess_connector.connection import Connection
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.inputs import read_input
from clientsuccess_connector.write.executor import WriteSummary, write_records

_ENTRY_KEYS = ("template", "input", "map", "set", "params", "batch_size", "results", "dry_run")


def write_input(
    connection: Connection,
    template_name: str,
    input_spec: str,
    *,
    mapping: Mapping[str, str] | None = None,
    constants: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    batch_size: int | None = None,
    results: str | Path | None = None,
    dry_run: bool = False,
    retry_unknown: bool = False,
    echo: Callable[[str], None] | None = None,
    warn: Callable[[str], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> WriteSummary:
    """`write_records` over an input spec: a file, `-`, or a duckdb:// / postgresql:// URL."""
    return write_records(
        connection,
        template_name,
        read_input(input_spec),
        mapping=mapping,
        constants=constants,
        params=params,
        batch_size=batch_size,
        results=results,
        dry_run=dry_run,
        retry_unknown=retry_unknown,
        echo=echo,
        warn=warn,
        progress=progress,
    )


def _relative(value: str, base_dir: Path | None) -> str:
    if base_dir is None or value == "-" or "://" in value or Path(value).is_absolute():
        return value
    return str(base_dir / value)


def _mapping(entry: Mapping[str, Any], key: str, name: str) -> dict[str, Any]:
    value = entry.get(key) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"writes.{name}.{key} must be a mapping of FIELD: VALUE")
    return {str(k): v for k, v in value.items()}


def run_write_entry(
    connection: Connection,
    name: str,
    entry: Mapping[str, Any],
    *,
    base_dir: Path | None = None,
    dry_run: bool = False,
    retry_unknown: bool = False,
    echo: Callable[[str], None] | None = None,
    warn: Callable[[str], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> WriteSummary:
    """Run one parsed `writes:` entry of a flow file.

    `entry` is `{template, input, map, set, params, batch_size, results, dry_run}`; relative
    `input` and `results` paths are taken from `base_dir` (the flow file's folder).
    """
    unknown = sorted(set(entry) - set(_ENTRY_KEYS))
    if unknown:
        raise ConfigError(
            f"writes.{name} has unknown key {unknown[0]!r}; known keys: {', '.join(_ENTRY_KEYS)}"
        )
    for key in ("template", "input"):
        if not entry.get(key):
            raise ConfigError(f"writes.{name} needs `{key}:`")
    batch_size = entry.get("batch_size")
    if batch_size is not None and not isinstance(batch_size, int):
        raise ConfigError(f"writes.{name}.batch_size must be a whole number")
    results = entry.get("results")
    return write_input(
        connection,
        str(entry["template"]),
        _relative(str(entry["input"]), base_dir),
        mapping={k: str(v) for k, v in _mapping(entry, "map", name).items()},
        constants=_mapping(entry, "set", name),
        params=_mapping(entry, "params", name),
        batch_size=batch_size,
        results=_relative(str(results), base_dir) if results else None,
        dry_run=dry_run or bool(entry.get("dry_run")),
        retry_unknown=retry_unknown,
        echo=echo,
        warn=warn,
        progress=progress,
    )
