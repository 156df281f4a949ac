"""What request handlers see of the simulator: its data, behaviour, faults and counters.

`SimulatorApp` (app.py) is the one implementation; handlers are typed against this Protocol so
that the app may import them without their importing it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from clientsuccess_connector.simulator.auth import Auth
    from clientsuccess_connector.simulator.config import SimulatorConfig
    from clientsuccess_connector.simulator.faults import FaultController
    from clientsuccess_connector.simulator.profile import ServerProfile
    from clientsuccess_connector.simulator.request import Request
    from clientsuccess_connector.simulator.router import Router
    from clientsuccess_connector.simulator.stats import Stats
    from clientsuccess_connector.simulator.store import Store


class SimulatorState(Protocol):
    """The running simulator, as its handlers and the admin API use it."""

    config: SimulatorConfig
    store: Store
    auth: Auth
    faults: FaultController
    stats: Stats
    router: Router
    profile: ServerProfile

    def reset(self) -> None:
        """Seeded data back, faults back to start-up settings, stats zeroed."""

    def info(self) -> dict[str, Any]:
        """What this simulator holds."""

    def maybe_churn(self, resource: str, req: Request) -> None:
        """Churn faults: change and add records of `resource` while a client pages through it."""
