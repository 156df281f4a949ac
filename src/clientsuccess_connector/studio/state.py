"""What one studio process holds: the flow file, credentials, jobs, uploads and page rendering."""

from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from clientsuccess_connector.studio.jobs import Job, Jobs, Scheduler
from clientsuccess_connector.studio.services.common import cell
from clientsuccess_connector.studio.services.connections import connection_settings
from clientsuccess_connector.studio.services.credentials import Credentials
from clientsuccess_connector.studio.services.flow_file import FlowFile
from clientsuccess_connector.studio.services.syncs import run_sync
from clientsuccess_connector.syncing.run import StreamResult

UPLOAD_LIMIT = 10 * 1024 * 1024  # bytes; a bigger file belongs on the command line


@dataclass(slots=True)
class LastSync:
    """The last sync of one stream in this studio session."""

    finished: datetime
    result: StreamResult


@dataclass
class StudioState:
    """Shared by every request of one studio process."""

    flow: FlowFile
    credentials: Credentials
    csrf: str
    jobs: Jobs = field(default_factory=Jobs)
    credential: str | None = None  # the one last chosen; used by Sync now and the schedule
    last_sync: dict[str, LastSync] = field(default_factory=dict)
    sink_lock: threading.Lock = field(default_factory=threading.Lock)
    uploads: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="cs-studio-")))
    scheduler: Scheduler | None = None
    env: Environment = field(
        default_factory=lambda: Environment(
            loader=PackageLoader("clientsuccess_connector.studio", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    )

    def __post_init__(self) -> None:
        self.env.globals["cell"] = cell

    def render(self, request: Request, name: str, **context: Any) -> HTMLResponse:
        """A page or fragment; every value is HTML-escaped by the template engine."""
        page = self.env.get_template(name)
        text = page.render(request=request, csrf=self.csrf, path=request.url.path, **context)
        return HTMLResponse(text)

    def start_sync(self, streams: list[str]) -> tuple[Job, bool]:
        """Start a sync of `streams` off the request thread; the running one if already going."""
        flow = self.flow.load()
        credential = self.credential
        settings = connection_settings(self.credentials, credential, flow)
        key = "sync:" + ",".join(sorted(streams))

        def work(job: Job) -> list[StreamResult]:
            with self.sink_lock:
                results = run_sync(settings, flow, streams, job.add, job.watch, job.read)
            for result in results:
                self.last_sync[result.stream] = LastSync(datetime.now().astimezone(), result)
            return results

        return self.jobs.start(key, f"Sync {', '.join(streams)}", work)

    def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        shutil.rmtree(self.uploads, ignore_errors=True)
