"""The connection to ClientSuccess: auth, retries, rate limiting and secret masking, and the
URLs the toolkit accepts (`locations.py`).

Names load on first use, so a module that needs only URL parsing or masking (the CLI's start,
a destination) does not load the HTTP client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientsuccess_connector._lazy import lazy_attributes

if TYPE_CHECKING:
    from clientsuccess_connector.connection.client import Connection
    from clientsuccess_connector.connection.deadline import SeriesDeadline
    from clientsuccess_connector.connection.redaction import MASK, Redactor
    from clientsuccess_connector.connection.settings import DEFAULT_BASE_URL, ConnectionSettings
    from clientsuccess_connector.connection.stats import ConnectionStats

_MODULES = {
    "Connection": "client",
    "SeriesDeadline": "deadline",
    "MASK": "redaction",
    "Redactor": "redaction",
    "DEFAULT_BASE_URL": "settings",
    "ConnectionSettings": "settings",
    "ConnectionStats": "stats",
}
__getattr__ = lazy_attributes(__name__, _MODULES)

__all__ = [
    "DEFAULT_BASE_URL",
    "MASK",
    "Connection",
    "ConnectionSettings",
    "ConnectionStats",
    "Redactor",
    "SeriesDeadline",
]
