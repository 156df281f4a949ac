"""Health: the at-risk clients (sortable, each linking to its history), the portfolio's Pulse
dispositions per week, and per client its score over time and its versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from clientsuccess_connector.errors import ConnectorError
from clientsuccess_connector.health import HealthReport, HealthRules, health_report
from clientsuccess_connector.health.charts import (
    ScoreChart,
    WeeksChart,
    score_chart,
    weeks_chart,
)
from clientsuccess_connector.health.series import ClientHealth, client_health, disposition_weeks
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.studio.screens.common import studio

SORTABLE = {
    "client": "Client", "disposition": "Disposition", "score": "Score",
    "change_30d": "30 days", "change_90d": "90 days", "days_since_pulse": "Days since Pulse",
    "arr_at_stake": "ARR at stake", "next_renewal": "Next renewal", "at_risk_rule": "Rule",
}  # fmt: skip
"""Columns of the at-risk table, by the key `?sort=` names them with."""
DESCENDING_FIRST = {"arr_at_stake", "days_since_pulse"}
"""Columns whose first click sorts the largest first (the most at stake, the longest silent)."""


@dataclass
class Portfolio:
    """What the Health page shows."""

    report: HealthReport
    chart: WeeksChart
    weeks: list[Any] = field(default_factory=list)


def _portfolio(destination: str, rules: HealthRules) -> Portfolio:
    with open_sink(destination, read_only=True) as sink:
        report = health_report(sink, rules)
        weeks = disposition_weeks(sink, report.as_of)
    return Portfolio(report, weeks_chart(weeks), weeks)


def _client(destination: str, client_id: int) -> tuple[ClientHealth, ScoreChart]:
    with open_sink(destination, read_only=True) as sink:
        found = client_health(sink, client_id)
    for version in found.versions:  # validity instants as a person reads them
        for name, value in version.items():
            if isinstance(value, datetime):
                version[name] = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return found, score_chart(found.points)


def sorted_rows(rows: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """`rows` by `key`, empty values last whichever the direction."""
    present = [r for r in rows if r.get(key) is not None]
    empty = [r for r in rows if r.get(key) is None]
    present.sort(key=lambda r: (r[key], r["client_id"]), reverse=descending)
    return present + empty


async def page(request: Request) -> HTMLResponse:
    state = studio(request)
    sort = request.query_params.get("sort", "arr_at_stake")
    if sort not in SORTABLE:
        sort = "arr_at_stake"
    order = request.query_params.get("order") or ("desc" if sort in DESCENDING_FIRST else "asc")
    order = "desc" if order == "desc" else "asc"
    context: dict[str, Any] = {
        "sort": sort, "order": order, "columns": SORTABLE, "descending_first": DESCENDING_FIRST,
    }  # fmt: skip
    try:
        flow = state.flow.load()
        destination = state.flow.destination()
        context["destination"] = destination
        rules = HealthRules.from_mapping(flow.health, f"{state.flow.label}: health")
        if not state.sink_lock.acquire(blocking=False):
            return state.render(request, "health.html", busy=True, **context)
        try:
            found = await run_in_threadpool(_portfolio, destination, rules)
        finally:
            state.sink_lock.release()
    except ConnectorError as exc:
        return state.render(request, "health.html", error=str(exc), **context)
    rows = sorted_rows(found.report.at_risk, sort, order == "desc")
    return state.render(request, "health.html", found=found, rows=rows, **context)


async def client(request: Request) -> HTMLResponse:
    state = studio(request)
    client_id = int(request.path_params["client_id"])
    try:
        destination = state.flow.destination()
        if not state.sink_lock.acquire(blocking=False):
            return state.render(request, "health_client.html", busy=True, client_id=client_id)
        try:
            found, chart = await run_in_threadpool(_client, destination, client_id)
        finally:
            state.sink_lock.release()
    except ConnectorError as exc:
        return state.render(request, "health_client.html", error=str(exc), client_id=client_id)
    return state.render(
        request, "health_client.html", found=found, chart=chart, client_id=client_id
    )


routes = [
    Route("/health", page),
    Route("/health/clients/{client_id:int}", client),
]
