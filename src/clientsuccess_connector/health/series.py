"""The time series the Health screen draws: one client's scores, the portfolio's dispositions
per week. Read with the same SQL on DuckDB and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.health.report import naming_of, queryable, table_of
from clientsuccess_connector.sinks.base import Sink
from clientsuccess_connector.sinks.history import HISTORY_SUFFIX
from clientsuccess_connector.sinks.naming import apply_naming
from clientsuccess_connector.sinks.sql import quote


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One Pulse of a client: when, its score and disposition."""

    at: datetime
    score: float
    disposition: str | None


@dataclass
class ClientHealth:
    """A client's Pulses in time order and, with history on, its versions."""

    client_id: int
    name: str
    points: list[ScorePoint] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    version_columns: list[str] = field(default_factory=list)


def client_health(sink: Sink, client_id: int) -> ClientHealth:
    """The Pulses and versions of client `client_id`; ConfigError when it is not synced."""
    db = queryable(sink)
    naming = naming_of(sink)

    def c(name: str) -> str:
        return quote(apply_naming(naming, name))

    clients = table_of(sink, "clients")
    found = db.query(f"SELECT {c('name')} FROM {quote(clients)} WHERE {c('id')} = {client_id:d}")
    if not found[1]:
        raise ConfigError(f"no client {client_id} in {sink.url}")
    health = ClientHealth(client_id, str(found[1][0][0] or client_id))
    _, rows = db.query(
        f"SELECT {c('createdTimestamp')}, {c('currentScore')}, {c('dispositionType')} "
        f"FROM {c('pulses')} WHERE {c('clientId')} = {client_id:d} "
        f"AND {c('currentScore')} IS NOT NULL ORDER BY 1"
    )
    health.points = [ScorePoint(at, float(score), kind) for at, score, kind in rows]
    history = clients + HISTORY_SUFFIX
    if history in sink.streams():
        names, versions = db.query(
            f"SELECT * FROM {quote(history)} WHERE {c('id')} = {client_id:d} "
            "ORDER BY _cs_valid_from"
        )
        health.version_columns = names
        health.versions = [dict(zip(names, row, strict=True)) for row in versions]
    return health


@dataclass(frozen=True, slots=True)
class Week:
    """Pulses created in the week starting `start` (a Monday), by disposition."""

    start: date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """Pulses that week."""
        return sum(self.counts.values())


def disposition_weeks(sink: Sink, as_of: datetime, weeks: int = 26) -> list[Week]:
    """Pulses per week and disposition for the `weeks` weeks up to `as_of` (empty weeks too)."""
    db = queryable(sink)
    naming = naming_of(sink)
    created = quote(apply_naming(naming, "createdTimestamp"))
    kind = quote(apply_naming(naming, "dispositionType"))
    last = as_of.date() - timedelta(days=as_of.weekday())
    first = last - timedelta(weeks=weeks - 1)
    _, rows = db.query(
        f"SELECT CAST(date_trunc('week', {created}) AS DATE), {kind}, count(*) "
        f"FROM {quote(apply_naming(naming, 'pulses'))} "
        f"WHERE {created} >= DATE '{first.isoformat()}' "
        f"AND {created} < DATE '{(last + timedelta(weeks=1)).isoformat()}' GROUP BY 1, 2"
    )
    by_week: dict[date, dict[str, int]] = {first + timedelta(weeks=i): {} for i in range(weeks)}
    for start, disposition, count in rows:
        if start in by_week:
            by_week[start][str(disposition)] = int(count)
    return [Week(start, counts) for start, counts in by_week.items()]
