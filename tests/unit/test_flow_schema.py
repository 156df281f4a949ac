"""The published JSON Schema (docs/flow.schema.json) is what an editor checks a flow against:
it accepts the documented and starter flows and flags what the connector refuses."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from clientsuccess_connector.cli.init import STARTER_FLOW

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "flow.schema.json").read_text(encoding="utf-8"))


def errors(doc: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [error.message for error in validator.iter_errors(doc)]


def documented_flows() -> list[Any]:
    """Every YAML block of docs/flows.md that is a whole flow file."""
    text = (ROOT / "docs" / "flows.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]
    return [b for b in blocks if isinstance(b, dict) and {"sources", "connection"} & set(b)]


def test_the_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_starter_and_documented_flows_match_the_schema() -> None:
    """`init`'s file and the flows in docs/flows.md raise no editor warning."""
    flows = [yaml.safe_load(STARTER_FLOW), *documented_flows()]
    assert len(flows) >= 2
    for doc in flows:
        assert errors(doc) == []


@pytest.mark.parametrize(
    "doc",
    [
        {"connection": {"max_concurrency": "four"}},
        {"connection": {"api_kye": "x"}},
        {"sources": {"p": {"template": "search_pulses", "primary_key": 5}}},
        {"sources": {"p": {"url": "/x", "pagination": {"type": "cursor", "page_size": 5}}}},
        {"sources": {"p": {"url": "/x", "time_unit": "fortnight"}}},
        {"writes": {"w": {"template": "create_pulse", "input": "a.csv", "dry_run": "maybe"}}},
        {"env": "MY_TOKEN"},
    ],
)
def test_the_schema_flags_what_the_connector_refuses(doc: dict[str, Any]) -> None:
    assert errors(doc)


@pytest.mark.parametrize(
    "module",
    ["config.validation", "config.flow_model", "config.env_vars", "config.flow", "cli.validate"],
)
def test_each_config_module_imports_on_its_own(module: str) -> None:
    """connection/ and config/ use each other: every entry point imports in a fresh process."""
    result = subprocess.run(
        [sys.executable, "-c", f"import clientsuccess_connector.{module}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
