"""The studio's ASGI app: the screens, static files and the token guard around them."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from clientsuccess_connector.studio.jobs import Scheduler
from clientsuccess_connector.studio.screens import credentials, datasets, flows, health, write
from clientsuccess_connector.studio.security import TokenGuard, csrf_token
from clientsuccess_connector.studio.services.credentials import Credentials
from clientsuccess_connector.studio.services.flow_file import FlowFile
from clientsuccess_connector.studio.services.syncs import stream_names
from clientsuccess_connector.studio.state import StudioState


async def home(request: Request) -> RedirectResponse:
    return RedirectResponse("/flows/new", status_code=303)


def create_app(
    token: str, flow_path: Path, *, config_dir: Path | None = None
) -> tuple[Starlette, StudioState]:
    """The studio for the flow file `flow_path`, guarded by `token`."""
    state = StudioState(
        flow=FlowFile(flow_path),
        credentials=Credentials(config_dir),
        csrf=csrf_token(token),
    )

    def scheduled() -> None:
        try:
            state.start_sync(stream_names(state.flow.load()))
        except Exception:  # the schedule must outlive a bad flow file or a missing credential
            return

    state.scheduler = Scheduler(scheduled)
    routes = [
        Route("/", home),
        *credentials.routes,
        *flows.routes,
        *datasets.routes,
        *health.routes,
        *write.routes,
        Mount("/static", StaticFiles(packages=[("clientsuccess_connector.studio", "static")])),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(TokenGuard, token=token)])
    app.state.studio = state
    return app, state
