"""Errors grouped by what the caller should do.

ConnectorError
├── ConfigError        bad usage, config or input: exit 2, one sentence naming field and fix
│   ├── MissingExtraError   a feature's optional library is not installed
│   └── DestinationUnavailable  the destination cannot be opened now (locked, unreachable)
├── ApiError           the API answered with an error status (fatal once retries are spent)
│   └── AuthError      401/403: the credentials are wrong or expired
├── TransportError     the connection failed (refused, dropped, timed out) after every retry
├── DataError          the response is not what the endpoint promises (bad JSON, wrong envelope)
│   └── PaginationLoopError   the API served the same page or token twice
└── StorageError       a local file or database cannot be written (the disk is full)

A feature whose optional library is missing raises `missing_extra(...)`: the extra to install.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = 1


class ConfigError(ConnectorError):
    """Bad usage, configuration or input; the message names the field and the fix."""

    exit_code = 2


class MissingExtraError(ConfigError):
    """A feature needs an optional part of the package (`pip install '...[extra]'`)."""

    def __init__(self, message: str, *, extra: str) -> None:
        super().__init__(message)
        self.extra = extra


class DestinationUnavailable(ConfigError):
    """The destination cannot be opened now: another process holds its lock, or its server
    does not answer. Exit 2 for a single run; `sync --every` retries it as the outage may end."""


class ApiError(ConnectorError):
    """An HTTP error status from the API, after retries were spent or when it is not retriable."""

    def __init__(self, message: str, *, status: int, url: str, body_excerpt: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.body_excerpt = body_excerpt


class AuthError(ApiError):
    """The API rejected the credentials (401/403)."""


class TransportError(ConnectorError):
    """The request never got a complete answer: refused, dropped or timed out.

    `maybe_sent` is True when the request may have reached the server before the failure, so a
    non-idempotent request (a POST) may have been carried out: its outcome is unknown.
    """

    def __init__(self, message: str, *, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class DataError(ConnectorError):
    """A response that does not have the shape the endpoint promises."""


class PaginationLoopError(DataError):
    """The API served the same page, token or URL twice: stopping rather than looping forever."""


class StorageError(ConnectorError):
    """A destination, results file or other local file could not be written: the disk is full
    or over quota, or the file system is read-only. What was committed before is kept."""


# The base install reads the API and syncs into DuckDB and files. PostgreSQL, the simulator, the
# studio, XML responses and dlt each need libraries of their own, installed with an extra:
# `pip install 'clientsuccess-connector[postgres]'`. extra -> what it enables, as a user would
# name it.
EXTRAS: dict[str, str] = {
    "postgres": "PostgreSQL destinations and inputs",
    "simulator": "the ClientSuccess API simulator (simulate, demo)",
    "studio": "the studio",
    "xml": "XML responses (XPath)",
    "dlt": "the dlt source",
}


def missing_extra(extra: str, error: ImportError) -> MissingExtraError:
    """The error for a feature whose optional library is not installed."""
    module = error.name or "a module it needs"
    return MissingExtraError(
        f"{EXTRAS[extra]} need an optional part that is not installed ({module}); "
        f"install it with: pip install 'clientsuccess-connector[{extra}]'",
        extra=extra,
    )
