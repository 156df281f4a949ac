"""`WriteJob`: everything one write needs to know, parsed and checked once.

A flow file's `writes:` entry, the `write` command's flags and a library caller all build the
same frozen `WriteJob`. Its fields are the one list of write options: the flow-file key of each
field is the field's name unless its metadata says otherwise (`map`, `set`), so a new option is
a new field here plus the code that uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from clientsuccess_connector.errors import ConfigError


def _option(kind: str, key: str | None = None) -> dict[str, str]:
    """Field metadata: how a flow-file value is checked (`kind`), and its key if not the name."""
    return {"kind": kind, "key": key} if key else {"kind": kind}


@dataclass(frozen=True, slots=True)
class WriteJob:
    """One write: which template, from which input, mapped how, remembered where.

    `mapping` is field -> input column (`map:`); `constants` are fixed body values (`set:`);
    `params` fixed template parameters (`params:`, e.g. loggingLevel or a path id). `results`
    is the ledger file (rows already ok there are skipped on a re-run). `dry_run` shows each
    request through the reporter and sends nothing. `retry_unknown` re-sends rows whose earlier
    outcome is unknown (they may be created twice).
    """

    template: str = field(default="", metadata=_option("text"))
    input: str | None = field(default=None, metadata=_option("location"))
    mapping: Mapping[str, str] = field(default_factory=dict, metadata=_option("columns", "map"))
    constants: Mapping[str, Any] = field(default_factory=dict, metadata=_option("values", "set"))
    params: Mapping[str, Any] = field(default_factory=dict, metadata=_option("values"))
    batch_size: int | None = field(default=None, metadata=_option("count"))
    results: Path | None = field(default=None, metadata=_option("path"))
    dry_run: bool = field(default=False, metadata=_option("flag"))
    retry_unknown: bool = field(default=False, metadata=_option("flag"))
    method: str | None = field(default=None, metadata=_option("text"))  # corrects the route
    path: str | None = field(default=None, metadata=_option("text"))  # (see catalog.overrides)
    url: str | None = field(default=None, metadata=_option("text"))  # a manual endpoint instead
    key: tuple[str, ...] = field(default=(), metadata=_option("names"))  # fields naming a row
    mode: str | None = field(default=None, metadata=_option("mode"))  # insert | update | upsert

    def __post_init__(self) -> None:
        if self.results is not None and not isinstance(self.results, Path):
            object.__setattr__(self, "results", Path(self.results))  # a str is fine too
        if isinstance(self.key, str):
            object.__setattr__(self, "key", _names(self.key))  # "a, b" is fine too

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The keys a flow file's `writes:` entry may have, in field order."""
        return tuple(f.metadata.get("key") or f.name for f in fields(cls))

    @classmethod
    def from_entry(
        cls, entry: Mapping[str, Any], *, where: str, base_dir: Path | None = None
    ) -> WriteJob:
        """A job from a flow file's `writes:` entry; relative paths are taken from `base_dir`.

        Every mistake is a ConfigError starting with `where` (e.g. `flow.yaml: writes.health`).
        """
        by_key = {f.metadata.get("key") or f.name: f for f in fields(cls)}
        unknown = sorted(str(key) for key in entry if key not in by_key)
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(cls.keys())}"
            )
        values: dict[str, Any] = {}
        for key, value in entry.items():
            option = by_key[key]
            values[option.name] = _checked(
                option.metadata["kind"], value, f"{where}.{key}", base_dir
            )
        if not values.get("template") and not values.get("url"):
            raise ConfigError(f"{where}: needs `template:` (or `url:` for a manual endpoint)")
        if values.get("template") and values.get("url"):
            raise ConfigError(f"{where}: give either `template:` or `url:`, not both")
        if not values.get("input"):
            raise ConfigError(f"{where}: needs `input:`")
        return cls(**values)

    @property
    def name(self) -> str:
        """What the job writes through: its template, or its manual endpoint."""
        return self.template or f"{(self.method or 'POST').upper()} {self.url}"

    def merged(self, **overrides: Any) -> WriteJob:
        """This job with the given values over its own; None or an empty mapping keeps ours.

        Mappings merge key by key (`mapping={"email": "mail"}` changes one field's column).
        """
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            current = getattr(self, name)
            if value is None or (isinstance(current, Mapping) and not value):
                continue
            changes[name] = {**current, **value} if isinstance(current, Mapping) else value
        return replace(self, **changes)


def _checked(kind: str, value: Any, where: str, base_dir: Path | None) -> Any:
    """A flow-file value as the field's `kind` wants it, or a ConfigError naming the key."""
    if kind in ("columns", "values"):
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where} must be a mapping of FIELD: VALUE")
        return {str(k): str(v) if kind == "columns" else v for k, v in value.items()}
    if kind == "count":
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ConfigError(f"{where} must be a whole number")
        return value
    if kind == "names":
        if value is None:
            return ()
        if isinstance(value, str):
            return _names(value)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} must be a field name or a list of them, e.g. [externalId]")
        return tuple(value)
    if kind == "mode":
        if value is not None and value not in ("insert", "update", "upsert"):
            raise ConfigError(f"{where} must be insert, update or upsert, not {value!r}")
        return value
    if kind == "flag":
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false")
        return value
    if value is None:
        return None
    if kind == "path":
        return Path(_relative(str(value), base_dir))
    if kind == "location":
        return _relative(str(value), base_dir)
    return str(value)


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _relative(value: str, base_dir: Path | None) -> str:
    if base_dir is None or value == "-" or "://" in value or Path(value).is_absolute():
        return value
    return str(base_dir / value)
