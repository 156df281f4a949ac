"""clientsuccess-connector: move data in and out of ClientSuccess.

Everything a program needs is importable from here (see docs/reading.md and docs/writing.md);
deeper modules are internal and may move. Heavy parts load on first use, so importing the
package (and starting the CLI) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from clientsuccess_connector._version import __version__
from clientsuccess_connector.catalog import Param, Template, catalog, get_template
from clientsuccess_connector.errors import (
    ApiError,
    AuthError,
    ConfigError,
    ConnectorError,
    DataError,
    DestinationUnavailable,
    PaginationLoopError,
    TransportError,
)

if TYPE_CHECKING:
    from clientsuccess_connector.config.flow import Flow, load_flow
    from clientsuccess_connector.connection import Connection, ConnectionSettings
    from clientsuccess_connector.read.endpoint import Source, SourceSpec, resolve
    from clientsuccess_connector.read.progress import ReadProgress
    from clientsuccess_connector.read.reader import Reader
    from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator
    from clientsuccess_connector.sinks import Sink, open_sink
    from clientsuccess_connector.syncing.run import Landing, StreamResult, SyncOptions, sync
    from clientsuccess_connector.write import (
        WriteJob,
        WriteReporter,
        WriteSummary,
        write_input,
        write_records,
    )

# Public name -> the module that defines it, imported when the name is first used.
_LAZY = {
    "Connection": "clientsuccess_connector.connection",
    "ConnectionSettings": "clientsuccess_connector.connection",
    "Flow": "clientsuccess_connector.config.flow",
    "load_flow": "clientsuccess_connector.config.flow",
    "Source": "clientsuccess_connector.read.endpoint",
    "SourceSpec": "clientsuccess_connector.read.endpoint",
    "resolve": "clientsuccess_connector.read.endpoint",
    "Reader": "clientsuccess_connector.read.reader",
    "SimulatorConfig": "clientsuccess_connector.simulator",
    "SimulatorHandle": "clientsuccess_connector.simulator",
    "run_simulator": "clientsuccess_connector.simulator",
    "Sink": "clientsuccess_connector.sinks",
    "open_sink": "clientsuccess_connector.sinks",
    "ReadProgress": "clientsuccess_connector.read.progress",
    "Landing": "clientsuccess_connector.syncing.run",
    "StreamResult": "clientsuccess_connector.syncing.run",
    "SyncOptions": "clientsuccess_connector.syncing.run",
    "sync": "clientsuccess_connector.syncing.run",
    "WriteJob": "clientsuccess_connector.write",
    "WriteReporter": "clientsuccess_connector.write",
    "WriteSummary": "clientsuccess_connector.write",
    "write_input": "clientsuccess_connector.write",
    "write_records": "clientsuccess_connector.write",
}


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'clientsuccess_connector' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Every public name, the lazily loaded ones included (for IDEs and `dir()`)."""
    return sorted({*globals(), *__all__})


__all__ = [
    "ApiError",
    "AuthError",
    "ConfigError",
    "Connection",
    "ConnectionSettings",
    "ConnectorError",
    "DataError",
    "DestinationUnavailable",
    "Flow",
    "Landing",
    "PaginationLoopError",
    "Param",
    "ReadProgress",
    "Reader",
    "SimulatorConfig",
    "SimulatorHandle",
    "Sink",
    "Source",
    "SourceSpec",
    "StreamResult",
    "SyncOptions",
    "Template",
    "TransportError",
    "WriteJob",
    "WriteReporter",
    "WriteSummary",
    "__version__",
    "catalog",
    "get_template",
    "load_flow",
    "open_sink",
    "resolve",
    "run_simulator",
    "sync",
    "write_input",
    "write_records",
]
