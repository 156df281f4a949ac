"""Run the health query on a destination and explain each at-risk flag in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.health.query import Tables, health_sql
from clientsuccess_connector.health.rules import HealthRules
from clientsuccess_connector.sinks.base import DELETED_AT, Sink
from clientsuccess_connector.sinks.history import HISTORY_SUFFIX
from clientsuccess_connector.sinks.naming import API, SNAKE_CASE, apply_naming
from clientsuccess_connector.sinks.sql import quote

COLUMNS = (
    "client_id", "client", "status", "disposition", "score", "change_30d", "change_90d",
    "days_since_pulse", "days_since_note", "arr_at_stake", "next_renewal", "at_risk",
    "at_risk_rule", "reason",
)  # fmt: skip
"""The report's columns, in order."""


class Queryable(Protocol):
    """A destination that runs SQL: DuckDB and PostgreSQL."""

    def query(self, text: str) -> tuple[list[str], list[tuple[Any, ...]]]: ...


@dataclass
class HealthReport:
    """Per client health on `as_of`, the SQL that computed it and the rules it applied."""

    as_of: datetime
    rules: HealthRules
    sql: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def at_risk(self) -> list[dict[str, Any]]:
        """The rows flagged at risk."""
        return [row for row in self.rows if row["at_risk"]]


def naming_of(sink: Sink) -> str:
    """The naming the tables were written with: `client_id` or `clientId` in `pulses`."""
    columns = {c.name for c in sink.schema(table_of(sink, "pulses"))}
    return SNAKE_CASE if "client_id" in columns and "clientId" not in columns else API


def table_of(sink: Sink, stream: str) -> str:
    """The table `stream` landed in (whichever naming), or a ConfigError saying to sync it."""
    for naming in (sink.naming, API, SNAKE_CASE):
        name = apply_naming(naming, stream)
        if name in sink.streams():
            return name
    raise ConfigError(
        f"report health needs the `{stream}` stream in {sink.url} (streams there: "
        f"{', '.join(sink.streams()) or 'none'}); sync it first: "
        f"clientsuccess-connector sync --stream {stream}"
    )


def queryable(sink: Sink) -> Queryable:
    """`sink` as a destination that runs SQL, or a ConfigError for a file destination."""
    if not callable(getattr(sink, "query", None)):
        raise ConfigError(
            f"customer health runs SQL, so it reads a DuckDB or PostgreSQL destination, not "
            f"{sink.url}; sync into duckdb:///FILE.duckdb or postgresql://... first"
        )
    return sink  # type: ignore[return-value]


def parse_as_of(value: str | None) -> datetime | None:
    """`--as-of`: `YYYY-MM-DD`, an ISO date-time, `today`, or None (the newest Pulse)."""
    if value is None or value == "latest":
        return None
    if value == "today":
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"--as-of {value!r} is not a date; give YYYY-MM-DD, an ISO date-time, today or latest"
        ) from None
    if len(value) == 10:  # a date: the report covers that whole day
        parsed = datetime.combine(parsed.date(), time.max)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def health_report(sink: Sink, rules: HealthRules, as_of: datetime | None = None) -> HealthReport:
    """The health of every client in `sink` on `as_of` (default: the moment of the newest
    Pulse, so a copy of old data reads as it did then). ConfigError for a file destination
    or a missing `clients`/`pulses` stream."""
    db = queryable(sink)
    table_of(sink, "clients")
    naming = naming_of(sink)
    streams = set(sink.streams())
    clients = apply_naming(naming, "clients")
    tables = Tables(
        notes=apply_naming(naming, "client_notes") in streams,
        contracts=apply_naming(naming, "contracts") in streams,
        deleted_clients=DELETED_AT in {c.name for c in sink.schema(clients)},
        client_history=clients + HISTORY_SUFFIX in streams,
    )
    if as_of is None:
        newest = f"SELECT max({quote(apply_naming(naming, 'createdTimestamp'))}) FROM " + quote(
            apply_naming(naming, "pulses")
        )
        found = db.query(newest)[1][0][0]
        as_of = found if isinstance(found, datetime) else datetime.now(UTC)
    as_of = as_of.astimezone(UTC)
    sql = health_sql(rules, as_of, naming, tables)
    names, raw = db.query(sql)
    report = HealthReport(as_of, rules, sql)
    for values in raw:
        row = {name: _plain(v) for name, v in zip(names, values, strict=True)}
        row["at_risk"] = row["at_risk_rule"] is not None
        row["reason"] = reason(row, rules)
        report.rows.append({name: row.get(name) for name in COLUMNS})
    return report


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


def reason(row: dict[str, Any], rules: HealthRules) -> str | None:
    """The rule that flagged `row`, in words with its figures."""
    rule = row["at_risk_rule"]
    if rule == "dispositions":
        return f"latest Pulse is {row['disposition']}"
    if rule == "score_below":
        return f"score {row['score']:g} is below {rules.score_below:g}"
    if rule in ("score_drop_30d", "score_drop_90d"):
        days = 30 if rule == "score_drop_30d" else 90
        return f"score fell {-row[f'change_{days}d']:g} in {days} days"
    if rule == "days_without_pulse":
        days = row["days_since_pulse"]
        return "no Pulse yet" if days is None else f"no Pulse for {days} days"
    if rule == "days_without_note":
        days = row["days_since_note"]
        return "no note yet" if days is None else f"no note for {days} days"
    return None
