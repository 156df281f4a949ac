"""The tap's config file: the keys of a flow file's `connection:` block, plus `flow`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
    return plan_streams(values, flow=Path(flow) if flow else None)
