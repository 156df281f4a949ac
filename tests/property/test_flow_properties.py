"""Property tests: any value of any type at any key of a flow file (or of the connection
settings) is accepted or is a ConfigError naming that key; never another exception."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsuccess_connector.config.flow import parse_flow
from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.endpoint import resolve

# A flow using every key the flow file knows (each mapping's keys from the schema).
FULL_FLOW: dict[str, Any] = {
    "env": ["MY_TOKEN"],
    "connection": {
        "base_url": "https://api.example.com/api/v1", "api_key": "${CLIENTSUCCESS_API_KEY}",
        "api_key_header": "X-API-Key", "username": "u", "password": "${CLIENTSUCCESS_PASSWORD}",
        "auth_url": "https://api.example.com/v1/auth", "timeout": 30, "max_concurrency": 4,
        "requests_per_second": 10, "max_attempts": 6, "max_retry_seconds": 120,
        "backoff_base": 0.5, "backoff_cap": 30, "verify_tls": True,
        "send_credentials_to": ["https://files.example.com"], "secret_headers": ["X-Trace"],
        "max_response_mb": 256, "request_deadline": 300,
    },
    "destination": "duckdb:///data.duckdb",
    "sources": {
        "pulses": {
            "template": "search_pulses", "params": {"clientId": 42}, "page_size": 50,
            "max_pages": 3, "max_records": 100, "primary_key": ["id"],
            "incremental_field": "modifiedTime", "response_format": "json",
            "headers": {"X-Trace": "${MY_TOKEN}"}, "path": "/pulses/search",
        },
        "manual": {
            "url": "/clientNote/search?modifiedAfter={now-7}", "method": "GET",
            "body": {"a": 1}, "headers": "X-Trace:abc", "data_path": "$.data[*]",
            "metadata_path": "$.totalElements",
            "pagination": {"type": "page_number", "page_param": "p", "size_param": "s",
                           "page_size": 20, "start_page": 0, "max_pages": 2},
            "date_format": "%Y-%m-%d", "time_unit": "day", "primary_key": "id",
        },
    },
    "lookups": {"notes": {"stream": "clients"}, "ids": {"file": "ids.csv"}},
    "writes": {
        "health": {
            "template": "create_pulse", "input": "health.csv", "map": {"note": "comment"},
            "set": {"score": 3}, "params": {}, "batch_size": 10, "results": "out.jsonl",
            "dry_run": False, "retry_unknown": False, "method": "POST",
        },
        "manual": {"url": "/custom", "method": "PUT", "input": "in.csv"},
    },
    "templates": {
        "create_contact": {"method": "POST", "path": "/contact", "rename": {"email": "mail"},
                           "fields": {"tier": "string", "vip": {"type": "boolean", "in": "body"}}},
    },
}  # fmt: skip
ENV = {"CLIENTSUCCESS_API_KEY": "k" * 20, "CLIENTSUCCESS_PASSWORD": "p" * 12, "MY_TOKEN": "t" * 9}


def key_paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path of a document, mappings and their members alike."""
    paths = []
    if isinstance(value, dict):
        for key, item in value.items():
            paths.append((*prefix, key))
            paths += key_paths(item, (*prefix, key))
    return paths


PATHS = key_paths(FULL_FLOW)
ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
    | st.sampled_from(["", "0", "true", "-1", "${HOME}", "${CLIENTSUCCESS_X}", "{now-1}", "$.x"])
    | st.dates(),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=6) | st.integers(), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


def use(doc: dict[str, Any]) -> None:
    """Everything a command checks in a flow before its first request."""
    flow = parse_flow(doc, path=Path("flow.yaml"), env=ENV)
    flow.connection_settings(env={})
    for spec in flow.sources.values():
        resolve(flow.with_templates(spec))
    for job in flow.writes.values():
        if job.template:
            flow.write_template(job)


def test_the_full_flow_is_valid() -> None:
    """The base document of the properties below uses every key and is itself valid."""
    use(copy.deepcopy(FULL_FLOW))


@settings(max_examples=600, deadline=None)
@given(path=st.sampled_from(PATHS), value=ANY_VALUE)
def test_any_value_at_any_key_is_accepted_or_names_the_key(
    path: tuple[str, ...], value: Any
) -> None:
    """Throw a random value of a random type at one key: accepted, or a ConfigError naming it."""
    doc = copy.deepcopy(FULL_FLOW)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    try:
        use(doc)
    except ConfigError as exc:
        message = str(exc)
        assert any(part in message for part in path[-2:]), (path, message)
        assert "\n" not in message.strip()


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from([k for k in FULL_FLOW["connection"] if k != "base_url"]),
    value=ANY_VALUE,
)
def test_any_value_of_a_connection_setting_is_accepted_or_names_it(key: str, value: Any) -> None:
    """The library's ConnectionSettings: same promise, for callers that skip flow files."""
    try:
        ConnectionSettings(**{key: value})
    except ConfigError as exc:
        assert key in str(exc), str(exc)
