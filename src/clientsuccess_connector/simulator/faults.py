"""Fault injection, switchable per run and at runtime: rates from a seeded RNG, budgets, targeting.

Kinds:
  429       Too Many Requests + Retry-After (before the request acts)
  503       HTML "System Maintenance" page (before the request acts)
  commit_503  the request acts (a write commits), then the HTML 503 page is answered: a gateway
            that timed out while the application behind it went on
  drop      headers and part of the body, then the connection is closed (AFTER a write acted)
  truncate  a complete HTTP response whose JSON body is cut short (after acting)
  401       the invalid_token answer, as if the session token had just expired
  churn     on a search page after the first, existing records change, new ones appear and
            (with `churn_delete`) some are deleted
  empty     a search answers a well-formed empty page (`200`, no data, totalElements 0), as
            while an index is rebuilt (budget only)
Latency (fixed + random spikes) is added to every API request.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from clientsuccess_connector.errors import ConfigError

KINDS = ("429", "503", "drop", "truncate", "401", "churn", "empty", "commit_503")
_RATE_KINDS = ("429", "503", "drop", "truncate")


@dataclass
class FaultSettings:
    """Standing fault configuration. Rates are probabilities per request (0..1)."""

    rate_429: float = 0.0
    rate_503: float = 0.0
    rate_drop: float = 0.0
    rate_truncate: float = 0.0
    rate_commit_503: float = 0.0  # not part of `fault_rate`: set on its own
    retry_after: float = 1
    latency_ms: float = 0.0
    spike_rate: float = 0.0
    spike_ms: float = 0.0
    jitter_ms: float = 0.0  # a uniformly random extra delay of up to this much
    churn_rate: float = 0.0
    churn_modify: int = 3
    churn_create: int = 2
    churn_delete: int = 0
    routes: list[str] | None = None
    methods: list[str] | None = None
    seed: int = 0


@dataclass
class Budget:
    """`count` forced faults of `kind` for the next requests matching `route` and `method`."""

    kind: str
    count: int = 1
    route: str | None = None
    method: str | None = None
    skip: int = 0

    def matches(self, route: str, method: str) -> bool:
        return (self.route is None or self.route == route) and (
            self.method is None or self.method.upper() == method
        )


@dataclass
class _State:
    settings: FaultSettings = field(default_factory=FaultSettings)
    budgets: list[Budget] = field(default_factory=list)


class FaultController:
    """Runtime control of faults. Thread-safe; used by the server and by test code."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self._lock = threading.Lock()
        self._initial = settings or FaultSettings()
        self._state = _State(FaultSettings(**asdict(self._initial)))
        self._rng = random.Random(self._state.settings.seed)

    # --- control -----------------------------------------------------------------------------
    def configure(self, **changes: Any) -> None:
        """Change standing settings, e.g. `configure(rate_503=0.1, retry_after=0)`."""
        names = {f.name for f in fields(FaultSettings)}
        unknown = set(changes) - names - {"fault_rate"}
        if unknown:
            raise ConfigError(
                f"unknown fault setting(s) {sorted(unknown)}; "
                f"known: {sorted(names | {'fault_rate'})}"
            )
        with self._lock:
            s = self._state.settings
            if "fault_rate" in changes:
                rate = float(changes.pop("fault_rate"))
                for kind in _RATE_KINDS:
                    setattr(s, f"rate_{kind}", rate / len(_RATE_KINDS))
            for name, value in changes.items():
                setattr(s, name, value)
            if "seed" in changes:
                self._rng = random.Random(s.seed)

    def set_fault_rate(self, rate: float) -> None:
        """Spread `rate` evenly over 429, 503, drop and truncate."""
        self.configure(fault_rate=rate)

    def next(
        self,
        kind: str,
        count: int = 1,
        *,
        route: str | None = None,
        method: str | None = None,
        skip: int = 0,
    ) -> None:
        """Force `kind` on the next `count` matching requests (after skipping `skip` of them).

        `route` is a template name (e.g. "search_clients"), "auth", or None for any API route.
        """
        if kind not in KINDS:
            raise ConfigError(f"unknown fault kind {kind!r}; use one of {', '.join(KINDS)}")
        with self._lock:
            self._state.budgets.append(Budget(kind, count, route, method, skip))

    def clear(self) -> None:
        """Back to the settings given at start, with no pending budgets."""
        with self._lock:
            self._state = _State(FaultSettings(**asdict(self._initial)))
            self._rng = random.Random(self._state.settings.seed)

    def off(self) -> None:
        """No faults at all (rates zero, no latency, no churn, no budgets)."""
        with self._lock:
            self._state = _State(FaultSettings(seed=self._state.settings.seed))

    @property
    def settings(self) -> FaultSettings:
        """A copy of the standing settings."""
        with self._lock:
            return FaultSettings(**asdict(self._state.settings))

    def pending(self) -> list[dict[str, Any]]:
        """The budgets not yet used up."""
        with self._lock:
            return [asdict(b) for b in self._state.budgets]

    def describe(self) -> dict[str, Any]:
        """Settings and pending budgets as JSON-ready data."""
        return {"settings": asdict(self.settings), "pending": self.pending()}

    # --- decisions (server side) -------------------------------------------------------------
    def _targeted(self, route: str, method: str) -> bool:
        s = self._state.settings
        return (s.routes is None or route in s.routes) and (
            s.methods is None or method in {m.upper() for m in s.methods}
        )

    def _take_budget(self, kinds: tuple[str, ...], route: str, method: str) -> str | None:
        for budget in self._state.budgets:
            if budget.kind in kinds and budget.matches(route, method):
                if budget.skip > 0:
                    budget.skip -= 1
                    continue
                budget.count -= 1
                if budget.count <= 0:
                    self._state.budgets.remove(budget)
                return budget.kind
        return None

    def decide(self, route: str, method: str) -> str | None:
        """The fault for this request (429, 503, drop, truncate, 401, commit_503) or None."""
        with self._lock:
            kind = self._take_budget(
                ("429", "503", "drop", "truncate", "401", "commit_503"), route, method
            )
            if kind is not None:
                return kind
            s = self._state.settings
            total = s.rate_429 + s.rate_503 + s.rate_drop + s.rate_truncate + s.rate_commit_503
            if total <= 0 or not self._targeted(route, method):
                return None
            x = self._rng.random()
            for kind in (*_RATE_KINDS, "commit_503"):
                rate = float(getattr(s, f"rate_{kind}"))
                if x < rate:
                    return kind
                x -= rate
            return None

    def latency_s(self) -> float:
        """Seconds to wait before answering (fixed latency plus an occasional spike)."""
        with self._lock:
            s = self._state.settings
            delay = s.latency_ms
            if s.jitter_ms > 0:
                delay += self._rng.random() * s.jitter_ms
            if s.spike_rate > 0 and self._rng.random() < s.spike_rate:
                delay += s.spike_ms
            return delay / 1000.0

    def churn(self, route: str, method: str) -> tuple[int, int, int] | None:
        """(records to modify, to create, to delete) when this search page should see churn."""
        with self._lock:
            s = self._state.settings
            plan = s.churn_modify, s.churn_create, s.churn_delete
            if self._take_budget(("churn",), route, method) is not None:
                return plan
            if s.churn_rate > 0 and self._rng.random() < s.churn_rate:
                return plan
            return None

    def empty(self, route: str, method: str) -> bool:
        """True when this search should answer an empty page (an `empty` budget matched)."""
        with self._lock:
            return self._take_budget(("empty",), route, method) is not None

    def retry_after(self) -> float:
        """The Retry-After value in seconds."""
        with self._lock:
            return self._state.settings.retry_after
