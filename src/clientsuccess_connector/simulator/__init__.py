"""A faithful ClientSuccess REST API simulator (routes built from the endpoint catalogue).

    from clientsuccess_connector.simulator import SimulatorConfig, run_simulator

    with run_simulator(SimulatorConfig(clients=50, seed=1)) as sim:
        sim.api_v1_url, sim.v2_url, sim.api_key, sim.username, sim.password
        sim.faults.next("503", 2)          # the next two API requests get 503
        sim.store.records("client_notes")  # inspect data

`build_app(config)` returns the ASGI app for httpx.ASGITransport.
"""

from clientsuccess_connector.simulator.app import SimulatedDrop, SimulatorApp
from clientsuccess_connector.simulator.config import (
    DEFAULT_API_KEY,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    SimulatorConfig,
)
from clientsuccess_connector.simulator.faults import FaultController, FaultSettings
from clientsuccess_connector.simulator.server import SimulatorHandle, run_simulator
from clientsuccess_connector.simulator.stats import Stats
from clientsuccess_connector.simulator.store import Store


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
