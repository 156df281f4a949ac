"""The tap's config file: the keys of a flow file's `connection:` block, plus `flow`."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.integration.plan import StreamPlan, plan_streams


def read_json(path: Path, what: str) -> Any:
    """A JSON file's content; a ConfigError naming the option when it is missing or invalid."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what} file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{what} file {path} is not valid JSON: {exc}") from None


def load_config(path: Path) -> StreamPlan:
    """Read `--config`: connection keys (`base_url`, `api_key`, `credential`, ...) and an
    optional `flow` (a flow file, relative to the working directory, as Meltano runs taps from
    the project's root) whose sources become streams.
    Keys it does not give come from the flow, the named credential or `CLIENTSUCCESS_*`."""
    raw = read_json(path, "--config")
    if not isinstance(raw, dict):
        raise ConfigError(f"--config file {path} must hold a JSON object of settings")
    values = dict(raw)
    flow = values.pop("flow", None)
    if flow is not None and not isinstance(flow, str):
        raise ConfigError(f"--config file {path}: `flow` must be the path of a flow file")
    return plan_streams(_typed_values(values, path), flow=Path(flow) if flow else None)


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _typed_values(values: dict[str, Any], path: Path) -> dict[str, Any]:
    """Numeric and true/false settings given as text (as environment variables and some tools
    pass them) turned into values; a ConfigError naming the key when one does not parse."""
    kinds = {f.name: str(f.type) for f in fields(ConnectionSettings)}
    typed = dict(values)
    for key, value in values.items():
        kind = kinds.get(key, "")
        if not isinstance(value, str) or not kind.startswith(("int", "float", "bool")):
            continue
        try:
            if kind.startswith("bool"):
                typed[key] = _BOOLEANS[value.strip().lower()]
            else:
                typed[key] = int(value) if kind.startswith("int") else float(value)
        except (ValueError, KeyError):
            expected = "true or false" if kind.startswith("bool") else "a number"
            raise ConfigError(
                f"--config file {path}: {key} must be {expected}, not {value!r}"
            ) from None
    return typed
