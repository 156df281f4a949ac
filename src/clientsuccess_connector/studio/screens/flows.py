"""New data flow: credential, source name, a template or the Advanced tab; Test; Create."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from clientsuccess_connector.errors import ConnectorError
from clientsuccess_connector.studio.incremental import incremental_entry
from clientsuccess_connector.studio.screens.common import problem, studio, text
from clientsuccess_connector.studio.services import catalogue
from clientsuccess_connector.studio.services.connections import connection_settings
from clientsuccess_connector.studio.services.flows import (
    DATE_FORMATS,
    HTTP_METHODS,
    TIME_UNIT_CHOICES,
    source_entry,
    spec_from_entry,
)
from clientsuccess_connector.studio.services.lookups import lookup_choices, lookup_columns
from clientsuccess_connector.studio.services.source_sample import test_source

_DATE_MACROS = ("{now}", "{now-1}", "{now+1}")


async def page(request: Request) -> HTMLResponse:
    state = studio(request)
    flow = state.flow.load()
    templates = catalogue.read_templates()
    chosen = request.query_params.get("endpoint") or templates[0].name
    return state.render(
        request,
        "flow_new.html",
        credentials=state.credentials.names(),
        chosen_credential=state.credential,
        templates=templates,
        chosen=catalogue.template(chosen),
        methods=HTTP_METHODS,
        date_formats=DATE_FORMATS,
        time_units=TIME_UNIT_CHOICES,
        lookups=lookup_choices(flow),
        flow_path=state.flow.label,
    )


async def fields(request: Request) -> Response:
    state = studio(request)
    try:
        chosen = catalogue.template(request.query_params.get("endpoint", ""))
    except ConnectorError as exc:
        return problem(request, str(exc))
    return state.render(request, "_template_fields.html", chosen=chosen)


async def macros(request: Request) -> JSONResponse:
    """The `{` menu of Set API URL: date macros, then the selected lookups' columns."""
    state = studio(request)
    names = [n for n in request.query_params.getlist("lookups") if n]
    try:
        flow = state.flow.with_lookups(names)
        columns = await run_in_threadpool(lookup_columns, flow, names)
    except ConnectorError:
        columns = {name: ["id"] for name in names}
    items = [*_DATE_MACROS]
    items += [f"{{{name}.{column}}}" for name, cols in columns.items() for column in cols]
    return JSONResponse(items)


def _entry(form: FormData) -> tuple[str, dict[str, Any], list[str]]:
    """(source name, flow-file source entry, lookups) from the form."""
    name = text(form, "source_name")
    if text(form, "mode") == "advanced":
        lookups = [str(v) for v in form.getlist("lookups") if str(v)]
        primary_key = [k.strip() for k in text(form, "primary_key").split(",") if k.strip()]
        entry = source_entry(
            {
                "method": text(form, "method") or "GET",
                "url": text(form, "url"),
                "date_format": text(form, "date_format"),
                "time_unit": text(form, "time_unit"),
                "data_path": text(form, "data_path"),
                "metadata_path": text(form, "metadata_path"),
                "headers": text(form, "headers"),
                "primary_key": primary_key,
            }
        )
        incremental = text(form, "incremental_field")
        if incremental:
            entry = incremental_entry(entry, incremental)
        return name, entry, lookups
    params = {
        key.removeprefix("param__"): str(value).strip()
        for key, value in form.multi_items()
        if key.startswith("param__") and str(value).strip()
    }
    return name, source_entry({"template": text(form, "endpoint"), "params": params}), []


async def test(request: Request) -> HTMLResponse:
    state = studio(request)
    form = await request.form()
    credential = text(form, "credential") or None
    state.credential = credential
    try:
        name, entry, lookups = _entry(form)
        spec = spec_from_entry(name, entry)
        flow = state.flow.with_lookups(lookups)
        settings = connection_settings(state.credentials, credential, flow)
        result = await run_in_threadpool(test_source, settings, spec, flow)
    except ConnectorError as exc:
        return problem(request, str(exc))
    return state.render(request, "_test_result.html", result=result)


async def create(request: Request) -> HTMLResponse:
    state = studio(request)
    form = await request.form()
    state.credential = text(form, "credential") or None
    try:
        name, entry, lookups = _entry(form)
        state.flow.add_source(name, entry, lookups, state.credential)
        job, _ = state.start_sync([name])
    except ConnectorError as exc:
        return problem(request, str(exc))
    return state.render(request, "_job.html", job=job, created=name, flow_path=state.flow.label)


routes = [
    Route("/flows/new", page),
    Route("/flows/fields", fields),
    Route("/flows/macros", macros),
    Route("/flows/test", test, methods=["POST"]),
    Route("/flows/create", create, methods=["POST"]),
]
