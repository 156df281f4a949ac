"""Optional parts of the package: the extra to install when a feature's library is missing.

The base install reads the API and syncs into DuckDB and files. PostgreSQL, the simulator, the
studio, XML responses and dlt each need libraries of their own, installed with an extra:
`pip install 'clientsuccess-connector[postgres]'`. A missing one is a ConfigError naming it.
"""

from __future__ import annotations

from clientsuccess_connector.errors import MissingExtraError

__all__ = ["EXTRAS", "missing_extra"]

# extra -> what it enables, as a user would name it.
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
