"""The Write screen's run and dry run: an uploaded file through a template, as `write` does."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clientsuccess_connector.config.flow import Flow
from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.studio.ledgers import rows_written
from clientsuccess_connector.studio.services.write_results import read_results
from clientsuccess_connector.write import WriteJob, write_input


@dataclass(slots=True)
class WriteOutcome:
    """A write run or dry run: counts, the requests it would send, and per-row results."""

    ok: int
    error: int
    skipped: int
    requests: int
    line: str
    previews: list[str]
    errors: list[tuple[int, str]]
    results: list[dict[str, Any]]
    ledger: Path | None = None  # where the rows written are remembered
    written_before: int = 0  # rows that ledger remembered before this run
    lines_from: int = 0  # where this run's lines begin in it (bytes)


class _Collect:
    """A write reporter that keeps warnings and dry-run requests for the page."""

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self._progress = progress
        self.warnings: list[str] = []
        self.requests: list[str] = []

    def progress(self, rows: int) -> None:
        if self._progress is not None:
            self._progress(rows)

    def warning(self, text: str) -> None:
        self.warnings.append(text)

    def request(self, text: str) -> None:
        self.requests.append(text)


def write_upload(
    settings: ConnectionSettings,
    template_name: str,
    upload: Path,
    mapping: Mapping[str, str],
    constants: Mapping[str, str],
    *,
    dry_run: bool,
    results: Path | None,
    progress: Callable[[int], None] | None = None,
    flow: Flow | None = None,
) -> WriteOutcome:
    """Write an uploaded file through a template, or preview it (dry run): `write --input`
    (with `--flow FILE`: the flow's `templates:` corrections apply to the write and to the
    look-ups that settle rows a crash left unknown)."""
    reporter = _Collect(progress)
    job = WriteJob(
        template_name, input=str(upload), mapping=dict(mapping), constants=dict(constants),
        results=results, dry_run=dry_run,
    )  # fmt: skip
    flow = flow or Flow(None)
    written_before = rows_written(results) if results is not None else 0
    start = results.stat().st_size if results is not None and results.exists() else 0
    with Connection(settings) as connection:
        summary = write_input(
            connection, job, reporter, template=flow.write_template(job), resolve=flow.template
        )
    return WriteOutcome(
        ok=summary.ok,
        error=summary.error,
        skipped=summary.skipped,
        requests=summary.requests,
        line=summary.line(),
        previews=reporter.warnings + reporter.requests,
        errors=list(summary.first_errors),
        results=list(read_results(results, start)) if results and not dry_run else [],
        ledger=results,
        written_before=written_before,
        lines_from=start,
    )
