"""The connection to ClientSuccess: auth, retries, rate limiting and secret masking."""

from clientsuccess_connector.connection.client import Connection
from clientsuccess_connector.connection.deadline import SeriesDeadline
from clientsuccess_connector.connection.redaction import MASK, Redactor
from clientsuccess_connector.connection.settings import DEFAULT_BASE_URL, ConnectionSettings
from clientsuccess_connector.connection.stats import ConnectionStats

__all__ = [
    "DEFAULT_BASE_URL",
    "MASK",
    "Connection",
    "ConnectionSettings",
    "ConnectionStats",
    "Redactor",
    "SeriesDeadline",
]
