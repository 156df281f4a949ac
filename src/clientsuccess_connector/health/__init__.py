"""Customer health over synced data: the at-risk rules and the `report health` query."""

from __future__ import annotations

from clientsuccess_connector.health.report import HealthReport, health_report
from clientsuccess_connector.health.rules import DEFAULT_RULES, HealthRules

__all__ = ["DEFAULT_RULES", "HealthReport", "HealthRules", "health_report"]
