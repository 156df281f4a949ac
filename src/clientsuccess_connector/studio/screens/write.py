"""Write: a write template, an uploaded CSV or JSON lines file, column mapping, dry run, run."""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from clientsuccess_connector.config.flow import Flow
from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.errors import ConfigError, ConnectorError
from clientsuccess_connector.studio.jobs import Job
from clientsuccess_connector.studio.ledgers import rows_written, studio_ledger
from clientsuccess_connector.studio.screens.common import problem, studio, text
from clientsuccess_connector.studio.services import catalogue
from clientsuccess_connector.studio.services.connections import (
    connection_settings,
    offline_settings,
)
from clientsuccess_connector.studio.services.uploads import UPLOAD_SUFFIXES, input_columns
from clientsuccess_connector.studio.services.writes import WriteOutcome, write_upload
from clientsuccess_connector.studio.state import UPLOAD_LIMIT, StudioState

_UPLOAD_ID = re.compile(r"^[0-9a-f]{16}$")
_CHUNK = 64 * 1024
_SHOWN_REQUESTS = 20
_KINDS = "upload .csv, .jsonl (JSON lines) or .json (an array)"
_TOO_BIG = f"Input file: the file is larger than {UPLOAD_LIMIT // 2**20} MB"


async def page(request: Request) -> HTMLResponse:
    state = studio(request)
    return state.render(
        request,
        "write.html",
        templates=catalogue.write_templates(),
        credentials=state.credentials.names(),
        chosen_credential=state.credential,
        limit_mb=UPLOAD_LIMIT // (1024 * 1024),
    )


async def upload(request: Request) -> HTMLResponse:
    state = studio(request)
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > UPLOAD_LIMIT + 64 * 1024:
        return problem(request, _TOO_BIG + "; use `write --input FILE` for big files")
    async with request.form(max_files=1, max_fields=20) as form:
        name = text(form, "template")
        credential = text(form, "credential") or None
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            return problem(request, "Input file: choose a .csv, .jsonl or .json file first")
        filename = file.filename
        suffix = Path(filename).suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            kind = suffix or "no extension"
            return problem(request, f"Input file: {kind} is not supported; {_KINDS}")
        upload_id = secrets.token_hex(8)
        # kept under its own name, so the results ledger and its download name the user's file
        folder = state.uploads / upload_id / "input"
        folder.mkdir(parents=True)
        target = folder / _safe_name(filename)
        if not await _save(file, target):
            shutil.rmtree(folder.parent, ignore_errors=True)
            return problem(request, _TOO_BIG)
    ledger = studio_ledger(state.credentials.store.config_dir, name, credential)
    try:
        fields = catalogue.write_fields(name)
        columns, rows = await run_in_threadpool(input_columns, target)
        written = await run_in_threadpool(rows_written, ledger)
    except ConnectorError as exc:
        return problem(request, str(exc))
    return state.render(
        request,
        "_write_mapping.html",
        upload_id=upload_id,
        filename=filename,
        template=catalogue.template(name),
        fields=fields,
        columns=columns,
        rows=rows,
        ledger=ledger,
        written=written,
        credential=credential or "environment",
    )


async def _save(file: UploadFile, target: Path) -> bool:
    """Copy an upload to `target`; False (and nothing kept) when it exceeds the limit."""
    size = 0
    with target.open("wb") as out:
        while chunk := await file.read(_CHUNK):
            size += len(chunk)
            if size > UPLOAD_LIMIT:
                break
            out.write(chunk)
    if size > UPLOAD_LIMIT:
        target.unlink()
        return False
    return True


def _safe_name(filename: str) -> str:
    """The uploaded file's own name, reduced to letters, digits, `.`, `-` and `_`."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(filename).name).lstrip(".")
    return name or "upload"


def _uploaded(state: StudioState, form: FormData) -> Path | None:
    upload_id = text(form, "upload_id")
    if not _UPLOAD_ID.match(upload_id):
        return None
    return next(iter((state.uploads / upload_id / "input").glob("*")), None)


def _results_name(upload: Path) -> str:
    """The download name of an upload's results: `<its name>.results.jsonl`."""
    return f"{upload.stem}.results.jsonl"


def _mapping(form: FormData) -> dict[str, str]:
    return {
        key.removeprefix("map__"): str(value)
        for key, value in form.multi_items()
        if key.startswith("map__") and str(value)
    }


def _constants(form: FormData) -> dict[str, str]:
    return {
        key.removeprefix("set__"): str(value).strip()
        for key, value in form.multi_items()
        if key.startswith("set__") and str(value).strip()
    }


@dataclass(frozen=True, slots=True)
class _Planned:
    """A write as the form describes it: settings, uploaded file, template and mapping."""

    settings: ConnectionSettings
    upload: Path
    template: str
    mapping: dict[str, str]
    constants: dict[str, str]
    flow: Flow
    ledger: Path  # what this template wrote with this credential, across uploads and restarts

    def run(
        self,
        *,
        dry_run: bool,
        progress: Callable[[int], None] | None = None,
    ) -> WriteOutcome:
        return write_upload(
            self.settings, self.template, self.upload, self.mapping, self.constants,
            dry_run=dry_run, results=self.ledger, progress=progress, flow=self.flow,
        )  # fmt: skip


def _planned(state: StudioState, form: FormData, *, dry_run: bool) -> _Planned:
    """The write the form asks for; ConfigError when the upload is gone or no credential works.

    A dry run sends nothing, so it needs no credential."""
    upload = _uploaded(state, form)
    if upload is None:
        raise ConfigError("upload the input file again; this one is gone")
    credential = text(form, "credential") or None
    state.credential = credential
    flow = state.flow.load()
    try:
        settings = connection_settings(state.credentials, credential, flow)
    except ConnectorError:
        if not dry_run:
            raise
        settings = offline_settings()
    template = text(form, "template")
    ledger = studio_ledger(state.credentials.store.config_dir, template, credential)
    return _Planned(settings, upload, template, _mapping(form), _constants(form), flow, ledger)


async def preview(request: Request) -> HTMLResponse:
    state = studio(request)
    form = await request.form()
    try:
        planned = _planned(state, form, dry_run=True)
        outcome = await run_in_threadpool(lambda: planned.run(dry_run=True))
    except ConnectorError as exc:
        return problem(request, str(exc))
    shown = outcome.previews[:_SHOWN_REQUESTS]
    return state.render(
        request, "_write_preview.html", outcome=outcome, shown=shown,
        hidden=len(outcome.previews) - len(shown),
    )  # fmt: skip


async def run(request: Request) -> HTMLResponse:
    state = studio(request)
    form = await request.form()
    try:
        planned = _planned(state, form, dry_run=False)
    except ConnectorError as exc:
        return problem(request, str(exc))

    def work(job: Job) -> WriteOutcome:
        return planned.run(dry_run=False, progress=lambda n: job.add("rows", n))

    key = f"write:{planned.upload.relative_to(state.uploads)}"
    job, _ = state.jobs.start(key, f"Write {planned.template}", work)
    return state.render(request, "_job.html", job=job)


async def download(request: Request) -> Response:
    state = studio(request)
    found = state.jobs.get(request.path_params["job"])
    outcome = found.result if found is not None else None
    if not isinstance(outcome, WriteOutcome) or found is None:
        return problem(request, "no results for this job")
    lines = b"".join(orjson.dumps(line) + b"\n" for line in outcome.results)
    name = _results_name(Path(found.key.removeprefix("write:")))
    return Response(
        lines,
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


routes = [
    Route("/write", page),
    Route("/write/upload", upload, methods=["POST"]),
    Route("/write/preview", preview, methods=["POST"]),
    Route("/write/run", run, methods=["POST"]),
    Route("/write/results/{job}", download),
]
