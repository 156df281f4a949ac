"""Connection settings validated without the schema model when it could change nothing.

Settings whose values are all text or defaults (the environment's) skip the model; every other
value goes through it. Either way the user gets the same settings and the same errors.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

import clientsuccess_connector.connection.settings as settings_module
from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.errors import ConfigError

SAMPLES: list[dict[str, Any]] = [
    {},
    {"base_url": "http://cs.test/api/v1", "api_key": " key\r\n", "username": "me"},
    {"headers": {"X-Trace": "1"}, "timeout": 30.0, "max_concurrency": 4, "verify_tls": True},
    {"timeout": 30, "max_concurrency": "4", "verify_tls": "false", "backoff_cap": "2.5"},
    {"headers": {"X-Trace": "1"}, "max_response_mb": 1, "requests_per_second": 3},
]
REFUSED: list[dict[str, Any]] = [
    {"timeout": True},
    {"max_concurrency": 2.5},
    {"timeout": float("nan")},
    {"base_url": 42},
    {"headers": ["X-Trace"]},
    {"headers": {"X-Trace": 1}},
]


def _always_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_module, "_kept_as_is", lambda setting, value: False)


def _as_built(values: dict[str, Any]) -> list[tuple[str, Any, type]]:
    built = ConnectionSettings(**values)
    return [(f.name, getattr(built, f.name), type(getattr(built, f.name))) for f in fields(built)]


@pytest.mark.parametrize("values", SAMPLES)
def test_the_same_settings_with_or_without_the_model(
    values: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values and their types come out the same as when every value goes through the model."""
    quick = _as_built(values)
    _always_model(monkeypatch)
    assert quick == _as_built(values)


@pytest.mark.parametrize("values", REFUSED)
def test_the_same_error_with_or_without_the_model(
    values: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value the model refuses is refused with the same message either way."""
    with pytest.raises(ConfigError) as quick:
        ConnectionSettings(**values)
    _always_model(monkeypatch)
    with pytest.raises(ConfigError) as modelled:
        ConnectionSettings(**values)
    assert str(quick.value) == str(modelled.value)
