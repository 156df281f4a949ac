"""A faithful ClientSuccess REST API simulator (routes built from the endpoint catalogue).

    from clientsuccess_connector.simulator import SimulatorConfig, run_simulator

    with run_simulator(SimulatorConfig(clients=50, seed=1)) as sim:
        sim.api_v1_url, sim.v2_url, sim.api_key, sim.username, sim.password
        sim.faults.next("503", 2)          # the next two API requests get 503
        sim.store.records("client_notes")  # inspect data

`build_app(config)` returns the ASGI app for httpx.ASGITransport.
"""

from typing import TYPE_CHECKING, Any

from clientsuccess_connector.simulator.app import SimulatedDrop, SimulatorApp
from clientsuccess_connector.simulator.config import (
    DEFAULT_API_KEY,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    SimulatorConfig,
)
from clientsuccess_connector.simulator.faults import FaultController, FaultSettings
from clientsuccess_connector.simulator.stats import Stats
from clientsuccess_connector.simulator.store import Store

if TYPE_CHECKING:
    from clientsuccess_connector.simulator.server import SimulatorHandle, run_simulator

_SERVER_NAMES = ("SimulatorHandle", "run_simulator")


def __getattr__(name: str) -> Any:
    """The server (which needs the [simulator] extra's uvicorn) loads on first use, so the
    simulator's model, and `simulate --help`, work without it."""
    if name in _SERVER_NAMES:
        from clientsuccess_connector.simulator import server  # noqa: PLC0415

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_app(config: SimulatorConfig | None = None) -> SimulatorApp:
    """The simulator as an ASGI app, without a server (for httpx.ASGITransport)."""
    return SimulatorApp(config)


__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "FaultController",
    "FaultSettings",
    "SimulatedDrop",
    "SimulatorApp",
    "SimulatorConfig",
    "SimulatorHandle",
    "Stats",
    "Store",
    "build_app",
    "run_simulator",
]
