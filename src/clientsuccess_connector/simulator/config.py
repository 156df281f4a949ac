"""SimulatorConfig: everything a run of the simulator is started with."""

from __future__ import annotations

from dataclasses import dataclass, field

from clientsuccess_connector.simulator.faults import FaultSettings
from clientsuccess_connector.simulator.profile import ServerProfile

DEFAULT_API_KEY = "sim-api-key"
DEFAULT_USERNAME = "api@example.com"
DEFAULT_PASSWORD = "sim-password"


@dataclass
class SimulatorConfig:
    """Data size and seed, credentials, token lifetime, the server profile and the faults
    active from the start.

    `fault_rate` is spread evenly over 429, 503, drop and truncate; the `rate_*` fields set one
    kind each and are added to it. `moved_routes` serves a template at another path (e.g.
    `{"create_contact": "/contact/new"}`), as an instance whose route differs from the catalogue.
    """

    clients: int = 200
    seed: int = 1
    host: str = "127.0.0.1"
    port: int = 0
    api_key: str = DEFAULT_API_KEY
    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    token_ttl: float = 43200
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    spike_rate: float = 0.0
    spike_ms: float = 0.0
    fault_rate: float = 0.0
    rate_429: float = 0.0
    rate_503: float = 0.0
    rate_drop: float = 0.0
    rate_truncate: float = 0.0
    rate_commit_503: float = 0.0  # acts, then answers 503 (not part of `fault_rate`)
    retry_after: float = 1
    churn_rate: float = 0.0
    churn_modify: int = 3
    churn_create: int = 2
    churn_delete: int = 0
    fault_seed: int = 0
    # Search filters the simulated server leaves unapplied (a server that ignores a filter
    # answers with every record); e.g. ("externalId", "email").
    ignore_filters: tuple[str, ...] = ()
    moved_routes: dict[str, str] = field(default_factory=dict)  # template -> its new path
    profile: ServerProfile = field(default_factory=ServerProfile)

    def fault_settings(self) -> FaultSettings:
        """The standing fault settings this config starts with."""
        share = self.fault_rate / 4
        return FaultSettings(
            rate_429=self.rate_429 + share,
            rate_503=self.rate_503 + share,
            rate_drop=self.rate_drop + share,
            rate_truncate=self.rate_truncate + share,
            rate_commit_503=self.rate_commit_503,
            retry_after=self.retry_after,
            latency_ms=self.latency_ms,
            jitter_ms=self.jitter_ms,
            spike_rate=self.spike_rate,
            spike_ms=self.spike_ms,
            churn_rate=self.churn_rate,
            churn_modify=self.churn_modify,
            churn_create=self.churn_create,
            churn_delete=self.churn_delete,
            seed=self.fault_seed,
        )
