"""Server profiles: how the simulated backend answers searches, switchable per run and per test.

The real API's behaviour behind a search is not documented, so the simulator can play several
plausible servers (docs/simulator.md, "Server profiles"):
  query_cost       `indexed`: sorted and filtered searches come from a cached index; `scan`: a
                   filtered or sorted search scans and sorts the whole collection, and a page
                   costs like SQL OFFSET (the server walks past every earlier record)
  after_precision  `ms`, `second` or `day`: the unit `modifiedAfter` and `modifiedTime` are
                   compared in
  after_compare    `after` (strictly after) or `at_or_after`
  sort             `honoured`, or `ignored` (every search comes newest first)
  counts           `exact`; `missing` (no totalElements or totalPages in a search page); or
                   `overstated` (totalElements one more than the records the search returns)
  bulk_results     how a bulk write numbers its per-item results: `zero-based` (in item order,
                   as documented), `one-based` (the first item is index 1), or `shuffled`
                   (zero-based, in another order)
Latency and jitter are the faults' `latency_ms` and `jitter_ms`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from clientsuccess_connector.errors import ConfigError

QUERY_COSTS = ("indexed", "scan")
PRECISIONS = {"ms": 1_000, "second": 1_000_000, "day": 86_400_000_000}  # in microseconds
COMPARES = ("after", "at_or_after")
SORTS = ("honoured", "ignored")
COUNTS = ("exact", "missing", "overstated")
BULK_RESULTS = ("zero-based", "one-based", "shuffled")
_CHOICES = {
    "query_cost": QUERY_COSTS,
    "after_precision": tuple(PRECISIONS),
    "after_compare": COMPARES,
    "sort": SORTS,
    "counts": COUNTS,
    "bulk_results": BULK_RESULTS,
}


@dataclass(frozen=True, slots=True)
class ServerProfile:
    """How searches behave; the default is the exact, indexed server."""

    query_cost: str = "indexed"
    after_precision: str = "ms"
    after_compare: str = "after"
    sort: str = "honoured"
    counts: str = "exact"
    bulk_results: str = "zero-based"

    def __post_init__(self) -> None:
        for name, choices in _CHOICES.items():
            if getattr(self, name) not in choices:
                raise ConfigError(
                    f"server profile: {name} {getattr(self, name)!r} is not one of "
                    f"{', '.join(choices)}"
                )

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> ServerProfile:
        """From the admin route's JSON body; unknown keys are a ConfigError listing the known."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"server profile: unknown setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return cls(**{k: str(v) for k, v in values.items()})

    def describe(self) -> dict[str, str]:
        """The profile as JSON."""
        return asdict(self)

    def strict_after(self, micros: int) -> int:
        """The instant a record must be strictly after to match `modifiedAfter=micros`.

        Comparing in whole units means: strictly after the unit holding `micros` (its last
        microsecond), or at or after the start of that unit (one microsecond before it).
        """
        unit = PRECISIONS[self.after_precision]
        start = micros - micros % unit
        return start + unit - 1 if self.after_compare == "after" else start - 1


# Named servers the test suite runs its exactness tests against, one per way of going wrong.
PRESETS: dict[str, ServerProfile] = {
    "exact": ServerProfile(),
    "second": ServerProfile(after_precision="second"),
    "second-inclusive": ServerProfile(after_precision="second", after_compare="at_or_after"),
    "day": ServerProfile(after_precision="day"),
    "unsorted": ServerProfile(sort="ignored"),
    "scan": ServerProfile(query_cost="scan", after_precision="second"),
    "no-counts": ServerProfile(counts="missing"),
}
