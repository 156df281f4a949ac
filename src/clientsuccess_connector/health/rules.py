"""The at-risk rules of `report health`: documented defaults, overridden by a flow's `health:`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from clientsuccess_connector.errors import ConfigError

RULE_ORDER = (
    "dispositions",
    "score_below",
    "score_drop_30d",
    "score_drop_90d",
    "days_without_pulse",
    "days_without_note",
)
"""The rules in the order they are tried; a client's flag names the first that holds."""


@dataclass(frozen=True, slots=True)
class HealthRules:
    """When a client is at risk (each threshold may be None: that rule is off)."""

    dispositions: tuple[str, ...] = ("HIGH_RISK", "SEVERE_RISK")
    """Latest Pulse disposition that flags a client."""
    score_below: float | None = 40.0
    """Latest Pulse score under this."""
    score_drop_30d: float | None = 15.0
    """Score fell by at least this over 30 days."""
    score_drop_90d: float | None = 25.0
    """Score fell by at least this over 90 days."""
    days_without_pulse: int | None = 120
    """No Pulse for more than this many days (or none at all)."""
    days_without_note: int | None = None
    """No client note for more than this many days (off by default)."""
    ignore_statuses: tuple[str, ...] = ("TERMINATED",)
    """Client statuses never flagged (a client that has left is not at risk)."""

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None, where: str = "health") -> HealthRules:
        """Defaults overridden by a flow's `health: {at_risk: {...}}` (already validated)."""
        at_risk = dict((raw or {}).get("at_risk") or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(at_risk) - known)
        if unknown:
            raise ConfigError(
                f"{where}.at_risk: unknown rule {unknown[0]!r}; rules: {', '.join(sorted(known))}"
            )
        for key in ("dispositions", "ignore_statuses"):
            if key in at_risk:
                value = at_risk[key]
                at_risk[key] = (value,) if isinstance(value, str) else tuple(value or ())
        return replace(cls(), **at_risk)

    def describe(self) -> str:
        """The rules in one line, for the report's header."""
        parts = [f"disposition in {'/'.join(self.dispositions)}" if self.dispositions else ""]
        if self.score_below is not None:
            parts.append(f"score < {self.score_below:g}")
        if self.score_drop_30d is not None:
            parts.append(f"score down {self.score_drop_30d:g}+ in 30 days")
        if self.score_drop_90d is not None:
            parts.append(f"score down {self.score_drop_90d:g}+ in 90 days")
        if self.days_without_pulse is not None:
            parts.append(f"no Pulse for over {self.days_without_pulse} days")
        if self.days_without_note is not None:
            parts.append(f"no note for over {self.days_without_note} days")
        return "; ".join(p for p in parts if p) or "no rules"


DEFAULT_RULES = HealthRules()
