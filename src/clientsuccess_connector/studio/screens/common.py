"""Helpers every screen uses: the shared state, form values, and errors shown in place."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse

from clientsuccess_connector.studio.state import StudioState


def studio(request: Request) -> StudioState:
    """The state of this studio process."""
    state: StudioState = request.app.state.studio
    return state


def text(form: FormData, name: str) -> str:
    """A text field of a form, stripped ('' when absent or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def problem(request: Request, message: str) -> HTMLResponse:
    """A one-line error shown where the result would have been (escaped like everything)."""
    return studio(request).render(request, "_problem.html", message=message)
