"""Datasets: per stream its schema, count, last sync, sample rows and cursor; Sync now; every."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from clientsuccess_connector.errors import ConnectorError
from clientsuccess_connector.studio.screens.common import problem, studio, text
from clientsuccess_connector.studio.services.datasets import Dataset, datasets
from clientsuccess_connector.studio.services.syncs import stream_names

SCHEDULES: dict[str, float | None] = {
    "off": None,
    "5 minutes": 300,
    "15 minutes": 900,
    "1 hour": 3600,
    "1 day": 86400,
}


def _schedule_label(seconds: float | None) -> str:
    return next((label for label, s in SCHEDULES.items() if s == seconds), "off")


async def page(request: Request) -> HTMLResponse:
    state = studio(request)
    running = state.jobs.latest(lambda j: j.key.startswith("sync:") and j.status == "running")
    try:
        flow = state.flow.load()
        destination = state.flow.destination()
    except ConnectorError as exc:
        return state.render(request, "datasets.html", error=str(exc), datasets=[], streams=[])
    found: list[Dataset] = []
    error = None
    if state.sink_lock.acquire(blocking=False):
        try:
            found = await run_in_threadpool(datasets, destination)
        except ConnectorError as exc:
            error = str(exc)
        finally:
            state.sink_lock.release()
    scheduler = state.scheduler
    return state.render(
        request,
        "datasets.html",
        datasets=found,
        error=error,
        running=running,
        destination=destination,
        streams=stream_names(flow),
        last_sync=state.last_sync,
        schedules=list(SCHEDULES),
        schedule=_schedule_label(scheduler.seconds if scheduler else None),
        flow_path=state.flow.label,
    )


async def sync_now(request: Request) -> HTMLResponse:
    state = studio(request)
    form = await request.form()
    streams = [str(s) for s in form.getlist("stream") if str(s)]
    try:
        streams = streams or stream_names(state.flow.load())
        job, started = state.start_sync(streams)
    except ConnectorError as exc:
        return problem(request, str(exc))
    return state.render(request, "_job.html", job=job, joined=not started)


async def schedule(request: Request) -> HTMLResponse:
    state = studio(request)
    form = await request.form()
    label = text(form, "every")
    if label not in SCHEDULES:
        return problem(request, f"every: choose one of {', '.join(SCHEDULES)}")
    if state.scheduler is not None:
        state.scheduler.set(SCHEDULES[label])
    return state.render(request, "_schedule.html", schedule=label)


async def job(request: Request) -> Response:
    state = studio(request)
    found = state.jobs.get(request.path_params["job"])
    if found is None:
        return problem(request, "no such job; it ran in an earlier studio session")
    return state.render(request, "_job.html", job=found)


routes = [
    Route("/datasets", page),
    Route("/datasets/sync", sync_now, methods=["POST"]),
    Route("/datasets/schedule", schedule, methods=["POST"]),
    Route("/jobs/{job}", job),
]
