"""The SQL of `report health`: one readable statement that runs on DuckDB and PostgreSQL.

Only SQL both speak is used (CTEs, DISTINCT ON, `DATE - DATE` as days, `INTERVAL '30 days'`),
and names follow the destination's naming (`"clientId"` or `client_id`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from clientsuccess_connector.health.rules import HealthRules
from clientsuccess_connector.sinks.history import HISTORY_SUFFIX
from clientsuccess_connector.sinks.naming import apply_naming
from clientsuccess_connector.sinks.sql import quote


@dataclass(frozen=True, slots=True)
class Tables:
    """Which of the optional inputs the destination holds."""

    notes: bool = True
    contracts: bool = True
    deleted_clients: bool = False
    """`clients` has `_cs_deleted_at` (soft deletes): deleted clients are left out."""
    client_history: bool = False
    """`clients__history` exists: a score the Pulses cannot give comes from it."""


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in_list(values: Collection[str]) -> str:
    return ", ".join(_text(v) for v in values)


def health_sql(rules: HealthRules, as_of: datetime, naming: str, tables: Tables) -> str:
    """The report's SQL, with `as_of` and the rules written in as literals."""

    def c(name: str) -> str:
        return quote(apply_naming(naming, name))

    at = f"TIMESTAMPTZ '{as_of.strftime('%Y-%m-%d %H:%M:%S.%f')}+00'"
    day = f"DATE '{as_of.date().isoformat()}'"
    ctes = [
        "pulse AS (  -- every Pulse up to the report's date\n"
        f"  SELECT {c('clientId')} AS client_id, {c('dispositionType')} AS disposition,\n"
        f"         {c('currentScore')} AS score, {c('createdTimestamp')} AS pulse_at\n"
        f"  FROM {c('pulses')} WHERE {c('createdTimestamp')} <= {at}\n)",
        "latest AS (  -- each client's newest Pulse\n"
        "  SELECT DISTINCT ON (client_id) client_id, disposition, score, pulse_at\n"
        "  FROM pulse ORDER BY client_id, pulse_at DESC\n)",
    ]
    for days in (30, 90):
        ctes.append(
            f"score_{days}d AS (  -- the score of each client's newest Pulse {days} days before\n"
            f"  SELECT DISTINCT ON (client_id) client_id, score FROM pulse\n"
            f"  WHERE pulse_at <= {at} - INTERVAL '{days} days'\n"
            "  ORDER BY client_id, pulse_at DESC\n)"
        )
        if tables.client_history:
            history = quote(apply_naming(naming, "clients") + HISTORY_SUFFIX)
            ctes.append(
                f"history_{days}d AS (  -- successScore of the client version valid then\n"
                f"  SELECT {c('id')} AS client_id, {c('successScore')} AS score FROM {history}\n"
                f"  WHERE _cs_valid_from <= {at} - INTERVAL '{days} days'\n"
                "    AND (_cs_valid_to IS NULL\n"
                f"         OR CAST(_cs_valid_to AS TIMESTAMPTZ) > {at} - INTERVAL '{days} days')\n)"
            )
    if tables.notes:
        ctes.append(
            "last_note AS (  -- each client's newest note\n"
            f"  SELECT {c('clientId')} AS client_id, max({c('createdTime')}) AS noted_at\n"
            f"  FROM {c('client_notes')} WHERE {c('createdTime')} <= {at} GROUP BY 1\n)"
        )
    if tables.contracts:
        ctes.append(
            "live_contracts AS (  -- contracts running on the report's date (not terminated then)\n"
            f"  SELECT {c('tenantClientId')} AS client_id, sum({c('arr')}) AS arr,\n"
            f"         min(CAST({c('termEndDate')} AS DATE)) AS renews\n"
            f"  FROM {c('contracts')}\n"
            f"  WHERE ({c('terminatedDate')} IS NULL\n"
            f"         OR CAST({c('terminatedDate')} AS DATE) > {day})\n"
            f"    AND CAST({c('termStartDate')} AS DATE) <= {day}\n"
            f"    AND CAST({c('termEndDate')} AS DATE) >= {day}\n"
            "  GROUP BY 1\n)"
        )

    def then(days: int) -> str:
        if tables.client_history:
            return f"coalesce(s{days}.score, h{days}.score)"
        return f"s{days}.score"

    joins = [
        "LEFT JOIN latest AS l ON l.client_id = cl.{id}",
        "LEFT JOIN score_30d AS s30 ON s30.client_id = cl.{id}",
        "LEFT JOIN score_90d AS s90 ON s90.client_id = cl.{id}",
    ]
    if tables.client_history:
        joins += [
            "LEFT JOIN history_30d AS h30 ON h30.client_id = cl.{id}",
            "LEFT JOIN history_90d AS h90 ON h90.client_id = cl.{id}",
        ]
    if tables.notes:
        joins.append("LEFT JOIN last_note AS n ON n.client_id = cl.{id}")
    if tables.contracts:
        joins.append("LEFT JOIN live_contracts AS k ON k.client_id = cl.{id}")
    note_days = f"{day} - CAST(n.noted_at AS DATE)" if tables.notes else "CAST(NULL AS INTEGER)"
    arr = "coalesce(k.arr, 0)" if tables.contracts else "0"
    renews = "k.renews" if tables.contracts else "CAST(NULL AS DATE)"
    where = "\n  WHERE cl._cs_deleted_at IS NULL" if tables.deleted_clients else ""
    ctes.append(
        "health AS (\n"
        f"  SELECT cl.{c('id')} AS client_id, cl.{c('name')} AS client,"
        f" cl.{c('status')} AS status,\n"
        "         l.disposition, l.score,\n"
        f"         l.score - {then(30)} AS change_30d, l.score - {then(90)} AS change_90d,\n"
        f"         {day} - CAST(l.pulse_at AS DATE) AS days_since_pulse,\n"
        f"         {note_days} AS days_since_note,\n"
        f"         {arr} AS arr_at_stake, {renews} AS next_renewal\n"
        f"  FROM {c('clients')} AS cl\n  "
        + "\n  ".join(j.format(id=c("id")) for j in joins)
        + where
        + "\n)"
    )
    return (
        f"-- Customer health on {as_of.date().isoformat()}; at risk when: {rules.describe()}\n"
        "WITH " + ",\n".join(ctes) + ",\n"
        "flagged AS (  -- the first rule that holds names why a client is at risk\n"
        "  SELECT *, CASE\n" + _rule_cases(rules) + "\n  END AS at_risk_rule FROM health\n)\n"
        "SELECT * FROM flagged\nORDER BY at_risk_rule IS NULL, arr_at_stake DESC, client_id"
    )


def _rule_cases(rules: HealthRules) -> str:
    cases: list[str] = []

    def add(test: str, name: str) -> None:
        cases.append(f"    WHEN {test} THEN '{name}'")

    if rules.ignore_statuses:
        cases.append(f"    WHEN status IN ({_in_list(rules.ignore_statuses)}) THEN NULL")
    if rules.dispositions:
        add(f"disposition IN ({_in_list(rules.dispositions)})", "dispositions")
    if rules.score_below is not None:
        add(f"score < {rules.score_below!r}", "score_below")
    if rules.score_drop_30d is not None:
        add(f"change_30d <= -{rules.score_drop_30d!r}", "score_drop_30d")
    if rules.score_drop_90d is not None:
        add(f"change_90d <= -{rules.score_drop_90d!r}", "score_drop_90d")
    if rules.days_without_pulse is not None:
        test = f"days_since_pulse IS NULL OR days_since_pulse > {rules.days_without_pulse}"
        add(test, "days_without_pulse")
    if rules.days_without_note is not None:
        test = f"days_since_note IS NULL OR days_since_note > {rules.days_without_note}"
        add(test, "days_without_note")
    return "\n".join(cases) if cases else "    WHEN FALSE THEN NULL"
