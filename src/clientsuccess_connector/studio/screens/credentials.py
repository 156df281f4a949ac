"""Credentials: the stored credentials and `environment`; New credential; Test per credential."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.studio.screens.common import problem, studio, text


async def page(request: Request) -> HTMLResponse:
    state = studio(request)
    return state.render(request, "credentials.html", rows=state.credentials.rows())


async def add(request: Request) -> HTMLResponse:
    state = studio(request)
    form = await request.form()
    auth = "token" if text(form, "auth") == "token" else "api-key"
    secret = text(form, "password") if auth == "token" else text(form, "api_key")
    try:
        state.credentials.add(
            text(form, "name"),
            base_url=text(form, "base_url"),
            auth=auth,
            api_key_header=text(form, "api_key_header") or "X-API-Key",
            username=text(form, "username") or None,
            secret=secret,
        )
    except ConfigError as exc:
        return problem(request, str(exc))
    state.credential = text(form, "name")
    response = state.render(
        request, "_credential_rows.html", rows=state.credentials.rows(), added=text(form, "name")
    )
    response.headers["HX-Trigger"] = "credential-saved"  # studio.js clears the secret fields
    return response


async def check(request: Request) -> HTMLResponse:
    state = studio(request)
    name = request.path_params["name"]
    try:
        result = await run_in_threadpool(state.credentials.check, name)
    except ConfigError as exc:
        return problem(request, str(exc))
    return state.render(request, "_credential_check.html", result=result)


async def remove(request: Request) -> HTMLResponse:
    state = studio(request)
    try:
        state.credentials.remove(request.path_params["name"])
    except ConfigError as exc:
        return problem(request, str(exc))
    return state.render(request, "_credential_rows.html", rows=state.credentials.rows())


routes = [
    Route("/credentials", page),
    Route("/credentials", add, methods=["POST"]),
    Route("/credentials/{name}/test", check, methods=["POST"]),
    Route("/credentials/{name}/remove", remove, methods=["POST"]),
]
