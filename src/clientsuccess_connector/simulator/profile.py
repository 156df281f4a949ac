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
  not_found        `detailed` (a 404 says what was not found) or `plain` (every 404 has the same
                   body, for an unknown route and an unknown record alike, as many gateways do)
Hostile servers (integers are 0 when off; simulator/hostile.py):
  page_cap         at most this many records a page, whatever `size` asks
  size_echo        `used`: the envelope's `size` is the page size used; `asked`: the one asked
  null_stamps      percent of seeded records whose cursor field reads null (nulls sort last)
  clock_offset     seconds the server clock runs ahead (negative: behind): stamps and `Date`
  visibility_lag   seconds after its stamp a change shows in searches (a lagging replica)
  lag_spread       `fixed`: every change waits the whole lag; `random`: a share of it, so
                   changes show out of their stamps' order
  duplicates       percent of records a search lists twice (rows, counted in totalElements)
  duplicate_copy   `same`: the second row is a copy; `older`: its modifiedTime is an hour older
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
NOT_FOUND = ("detailed", "plain")
COPIES = ("same", "older")
SPREADS = ("fixed", "random")
ECHOES = ("used", "asked")
# Integer settings: (lowest, highest or None); 0 is always "off".
RANGES: dict[str, tuple[int | None, int | None]] = {
    "page_cap": (0, None), "null_stamps": (0, 100), "clock_offset": (None, None),
    "visibility_lag": (0, None), "duplicates": (0, 100),
}  # fmt: skip
BULK_RESULTS = ("zero-based", "one-based", "shuffled")
CHOICES = {
    "query_cost": QUERY_COSTS,
    "after_precision": tuple(PRECISIONS),
    "after_compare": COMPARES,
    "sort": SORTS,
    "counts": COUNTS,
    "not_found": NOT_FOUND,
    "duplicate_copy": COPIES,
    "lag_spread": SPREADS,
    "size_echo": ECHOES,
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
    not_found: str = "detailed"
    page_cap: int = 0
    null_stamps: int = 0
    clock_offset: int = 0
    visibility_lag: int = 0
    duplicates: int = 0
    duplicate_copy: str = "same"
    lag_spread: str = "fixed"
    size_echo: str = "used"
    bulk_results: str = "zero-based"

    def __post_init__(self) -> None:
        for name, choices in CHOICES.items():
            if getattr(self, name) not in choices:
                raise ConfigError(
                    f"server profile: {name} {getattr(self, name)!r} is not one of "
                    f"{', '.join(choices)}"
                )
        for name, (low, high) in RANGES.items():
            value = getattr(self, name)
            if (
                type(value) is not int
                or (low is not None and value < low)
                or (high is not None and value > high)
            ):
                raise ConfigError(f"server profile: {name} {value!r} is not {_span(low, high)}")

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
        typed: dict[str, Any] = {
            k: _integer(k, v) if k in RANGES else str(v) for k, v in values.items()
        }
        return cls(**typed)

    def describe(self) -> dict[str, str]:
        """The profile as JSON, every value as text (as the `simulate` flags take it)."""
        return {k: str(v) for k, v in asdict(self).items()}

    def strict_after(self, micros: int) -> int:
        """The instant a record must be strictly after to match `modifiedAfter=micros`.

        Comparing in whole units means: strictly after the unit holding `micros` (its last
        microsecond), or at or after the start of that unit (one microsecond before it).
        """
        unit = PRECISIONS[self.after_precision]
        start = micros - micros % unit
        return start + unit - 1 if self.after_compare == "after" else start - 1


def _span(low: int | None, high: int | None) -> str:
    if low is None:
        return "an integer"
    return f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"


def _integer(name: str, value: Any) -> int:
    """An integer setting from JSON or text ("50", 50); anything else is a ConfigError."""
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"server profile: {name} {value!r} is not {_span(*RANGES[name])}"
        ) from None


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
