"""clientsuccess-connector: move data in and out of ClientSuccess."""

from clientsuccess_connector._version import __version__
from clientsuccess_connector.catalog import Param, Template, catalog, get_template
from clientsuccess_connector.errors import (
    ApiError,
    AuthError,
    ConfigError,
    ConnectorError,
    DataError,
    PaginationLoopError,
    TransportError,
)

__all__ = [
    "ApiError",
    "AuthError",
    "ConfigError",
    "ConnectorError",
    "DataError",
    "PaginationLoopError",
    "Param",
    "Template",
    "TransportError",
    "__version__",
    "catalog",
    "get_template",
]
