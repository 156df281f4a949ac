"""Run a write: rows -> mapping -> units -> Connection -> results ledger.

Single-record templates run concurrently (`max_concurrency` threads under the connection's
shared limiter); bulk batches and contract-item groups too. At most `2 x workers` requests are in
flight, so the input is never read far ahead. Retries are the Connection's alone.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import orjson
from jsonpath import findall

from clientsuccess_connector.catalog import Template, get_template
from clientsuccess_connector.connection import Connection
from clientsuccess_connector.errors import (
    ApiError,
    AuthError,
    ConfigError,
    DataError,
    TransportError,
)
from clientsuccess_connector.write.batching import Batcher, Unit, resolve_batch_size
from clientsuccess_connector.write.ledger import Ledger, RowResult
from clientsuccess_connector.write.mapping import RowError, RowMapper
from clientsuccess_connector.write.recovery import UNKNOWN_MESSAGE, finder_for, resend_is_safe

_MAYBE_ACTED = frozenset({500, 502, 504})  # a POST answered so may have been carried out
_EXCERPT = 300
_SHOWN_ERRORS = 20
_PROGRESS_SECONDS = 1.0
_RECOVERY_ROUNDS = 5  # look-ups and safe re-sends after an unknown outcome, per unit


@dataclass(slots=True)
class WriteSummary:
    """What a write did: rows ok, in error and skipped (already ok in the ledger)."""

    template: str
    ok: int = 0
    error: int = 0
    skipped: int = 0
    requests: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    first_errors: list[tuple[int, str]] = field(default_factory=list)  # up to 20, for display

    @property
    def rows(self) -> int:
        return self.ok + self.error + self.skipped

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        """One human line for stderr."""
        if self.dry_run:
            return (
                f"{self.template}: dry run: {self.ok} row(s) would be sent in {self.requests} "
                f"request(s), {self.error} error, {self.skipped} skipped; nothing was sent"
            )
        return (
            f"{self.template}: {self.ok} ok, {self.error} error, {self.skipped} skipped; "
            f"{self.requests} request(s) in {self.seconds:.2f} s "
            f"({self.rows_per_second:.0f} rows/s)"
        )


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _stdout(text: str) -> None:
    print(text, flush=True)


def _numbered(rows: Iterable[Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Accept plain dicts (numbered from 1) or `(row_number, dict)` pairs from an input reader."""
    for index, item in enumerate(rows, start=1):
        if isinstance(item, tuple):
            yield item[0], item[1]
        else:
            yield index, item


class _Writer:
    """One run of one template; see `write_records`."""

    def __init__(
        self,
        connection: Connection,
        template: Template,
        mapper: RowMapper,
        *,
        batch_size: int,
        ledger: Ledger,
        dry_run: bool,
        retry_unknown: bool,
        workers: int,
        echo: Callable[[str], None],
        warn: Callable[[str], None],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.conn = connection
        self.progress = progress
        self._unreported = 0
        self._reported_at = time.monotonic()
        self.template = template
        self.mapper = mapper
        self.batcher = Batcher(template, mapper, batch_size)
        self.ledger = ledger
        self.dry_run = dry_run
        self.retry_unknown = retry_unknown
        self.workers = workers
        self.echo = echo
        self.warn = warn
        self.summary = WriteSummary(template.name, dry_run=dry_run)
        self._warned_put = False
        self._requests_lock = threading.Lock()

    # -- the pipeline ----------------------------------------------------------------------

    def run(self, rows: Iterable[Any]) -> WriteSummary:
        started = time.monotonic()
        inflight: set[Future[list[RowResult]]] = set()
        limit = self.workers * 2
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="cs-write")
        try:
            for item in self._units(rows):
                if isinstance(item, list):
                    self._count(item)
                    continue
                if self.dry_run:
                    self._show(item)
                    continue
                while len(inflight) >= limit:
                    done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                    self._collect(done)
                inflight.add(pool.submit(self._send, item))
        finally:
            pool.shutdown(wait=True)
            self.summary.seconds = time.monotonic() - started
            self.ledger.close()
        self._collect(inflight)
        self._report_progress(0, final=True)
        return self.summary

    def _collect(self, futures: Iterable[Future[list[RowResult]]]) -> None:
        for future in futures:
            self._count(future.result())  # re-raises a fatal error (bad credentials)

    def _report_progress(self, rows: int, *, final: bool = False) -> None:
        if self.progress is None:
            return
        self._unreported += rows
        now = time.monotonic()
        if self._unreported and (final or now - self._reported_at >= _PROGRESS_SECONDS):
            self.progress(self._unreported)
            self._unreported, self._reported_at = 0, now

    def _count(self, results: list[RowResult]) -> None:
        self._report_progress(len(results))
        for result in results:
            if result.status == "ok":
                self.summary.ok += 1
            elif result.status == "skipped":
                self.summary.skipped += 1
            else:
                self.summary.error += 1
                if len(self.summary.first_errors) < _SHOWN_ERRORS:
                    self.summary.first_errors.append((result.row, result.error or "failed"))

    def _units(self, rows: Iterable[Any]) -> Iterator[Unit | list[RowResult]]:
        """Units to send, interleaved with rows decided without sending (skipped, invalid)."""
        for row, record in _numbered(rows):
            state, known_id = self.ledger.prior(row)
            if state == "done":
                yield self._final([RowResult(row, "skipped", id=known_id)], durable=False)
                continue
            try:
                prepared = self.mapper.prepare(record)
            except RowError as exc:
                yield self._final([RowResult(row, "error", error=str(exc))])
                continue
            if state == "unknown":
                resolved = self._resolve_unknown(row, prepared.body)
                if resolved is not None:
                    yield resolved
                    continue
            self._warn_put(prepared.body)
            yield from self.batcher.add(row, prepared)
        yield from self.batcher.flush()

    def _final(self, results: list[RowResult], *, durable: bool = True) -> list[RowResult]:
        if not self.dry_run:
            self.ledger.write(results, durable=durable)
        return results

    def _warn_put(self, body: Mapping[str, Any]) -> None:
        if self._warned_put or self.template.method != "PUT" or self.mapper.item_mode:
            return
        self._warned_put = True
        emptied = [name for name in self.mapper.body_fields if name not in body]
        if emptied:
            self.warn(
                f"warning: {self.template.name} is a PUT (full replace): fields not given are "
                f"sent as null and emptied on the server; in the first row these are: "
                f"{', '.join(emptied)}"
            )

    # -- crash recovery --------------------------------------------------------------------

    def _resolve_unknown(self, row: int, body: Mapping[str, Any]) -> list[RowResult] | None:
        """For a row an earlier run may have written: a result, or None to send it (again)."""
        if resend_is_safe(self.template) or self.retry_unknown:
            return None
        finder = finder_for(self.template, body)
        if finder is None:
            return self._final(
                [RowResult(row, "error", error=UNKNOWN_MESSAGE, outcome_unknown=True)]
            )
        if self.dry_run:
            self.echo(f"# row {row}: interrupted earlier; would look it up before re-sending")
            return None
        try:
            found = finder(self.conn, body)
        except (ApiError, TransportError, DataError) as exc:
            message = f"outcome unknown after a crash and the look-up failed ({exc})"
            return self._final([RowResult(row, "error", error=message, outcome_unknown=True)])
        if found is None:
            return None
        return self._final(
            [RowResult(row, "ok", http_status=None, id=found.get("id"), uuid=found.get("uuid"))]
        )

    # -- sending ---------------------------------------------------------------------------

    def _show(self, unit: Unit) -> None:
        self.summary.requests += 1
        rows = (
            f"row {unit.rows[0]}" if len(unit.rows) == 1 else f"rows {unit.rows[0]}-{unit.rows[-1]}"
        )
        text = self.conn.describe_request(
            unit.method, unit.path, params=unit.query or None, json=unit.body
        )
        self.echo(f"# {rows}\n{text}\n")
        self._count([RowResult(row, "ok") for row in unit.rows])

    def _send(self, unit: Unit) -> list[RowResult]:
        """Send one unit (in a worker thread) and durably record its rows' outcomes."""
        if unit.method == "POST":
            self.ledger.intent(unit.rows)
        results = self._attempt(unit)
        for _ in range(_RECOVERY_ROUNDS):
            if not any(r.outcome_unknown for r in results):
                break
            results = self._recover(unit, results)
        self.ledger.write(results)
        if results and results[0].http_status in (401, 403):
            raise AuthError(
                f"ClientSuccess rejected the credentials (HTTP {results[0].http_status}); "
                "check CLIENTSUCCESS_API_KEY or the login, then re-run with the same --results",
                status=results[0].http_status or 401,
                url=self.conn.url_for(unit.path),
            )
        return results

    def _attempt(self, unit: Unit) -> list[RowResult]:
        try:
            response = self.conn.request(
                unit.method,
                unit.path,
                params=unit.query or None,
                json=unit.body,
                raise_for_status=False,
            )
        except TransportError as exc:
            unknown = unit.method == "POST" and exc.maybe_sent
            return [
                RowResult(row, "error", error=str(exc), outcome_unknown=unknown)
                for row in unit.rows
            ]
        with self._requests_lock:
            self.summary.requests += 1
        return self._outcomes(unit, response)

    def _recover(self, unit: Unit, results: list[RowResult]) -> list[RowResult]:
        """Settle rows whose POST may have acted: look them up, re-send what is safe to re-send."""
        by_row = {r.row: r for r in results}
        records = dict(zip(unit.rows, unit.records, strict=True))
        unknown = [r.row for r in results if r.outcome_unknown]
        resend: list[int] = []
        if resend_is_safe(self.template):
            resend = unknown
        else:
            for row in unknown:
                finder = finder_for(self.template, records[row])
                if finder is None:
                    continue  # stays unknown: the API offers no way to tell
                try:
                    found = finder(self.conn, records[row])
                except (ApiError, TransportError, DataError):
                    continue  # the look-up failed too: the row stays "outcome unknown"
                if found is None:
                    resend.append(row)
                else:
                    by_row[row] = RowResult(row, "ok", id=found.get("id"), uuid=found.get("uuid"))
        if resend:
            for result in self._attempt(self.batcher.subset(unit, resend)):
                by_row[result.row] = result
        return [by_row[row] for row in unit.rows]

    def _outcomes(self, unit: Unit, response: httpx.Response) -> list[RowResult]:
        status = response.status_code
        if status >= 300:
            return self._failed(unit, response)
        if self.template.is_bulk:
            return self._bulk_outcomes(unit, response)
        body = _json_or_none(response)
        record = body if isinstance(body, dict) else {}
        if unit.method == "DELETE" or self.mapper.item_mode:
            ident = unit.path.rstrip("/").split("/")[-1 if unit.method == "DELETE" else -2]
            return [RowResult(row, "ok", status, id=_plain_id(ident)) for row in unit.rows]
        return [
            RowResult(row, "ok", status, id=record.get("id"), uuid=record.get("uuid"))
            for row in unit.rows
        ]

    def _failed(self, unit: Unit, response: httpx.Response) -> list[RowResult]:
        status = response.status_code
        message = f"HTTP {status}: {_error_text(self.conn, response)}"
        if unit.method == "DELETE" and status == 404:
            # Already gone: the goal holds (and a retried DELETE whose first try acted sees 404).
            ident = _plain_id(unit.path.rstrip("/").split("/")[-1])
            return [RowResult(row, "ok", status, id=ident) for row in unit.rows]
        unknown = unit.method == "POST" and status in _MAYBE_ACTED
        if unknown:
            message += "; the server may have acted: outcome unknown"
        return [
            RowResult(row, "error", status, error=message, outcome_unknown=unknown)
            for row in unit.rows
        ]

    def _bulk_outcomes(self, unit: Unit, response: httpx.Response) -> list[RowResult]:
        body = _json_or_none(response)
        items: list[Any] = []
        if body is not None and self.template.results_path:
            try:
                items = findall(self.template.results_path, body)
            except Exception:  # any malformed answer means "unreadable"
                items = []
        by_index: dict[int, dict[str, Any]] = {}
        for position, item in enumerate(items):
            if isinstance(item, dict):
                index = item.get("index", position)
                if isinstance(index, int):
                    by_index[index] = item
        results = []
        for index, row in enumerate(unit.rows):
            item = by_index.get(index)
            if item is None:
                results.append(
                    RowResult(
                        row,
                        "error",
                        response.status_code,
                        error="the bulk answer has no result for this item; outcome unknown",
                        outcome_unknown=True,
                    )
                )
                continue
            item_status = item.get("status")
            code = item_status if isinstance(item_status, int) else response.status_code
            error = item.get("error")
            if 200 <= code < 300 and not error:
                results.append(RowResult(row, "ok", code, id=item.get("id"), uuid=item.get("uuid")))
            else:
                results.append(RowResult(row, "error", code, error=_item_error(error, code)))
        return results


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return None


def _error_text(conn: Connection, response: httpx.Response) -> str:
    body = _json_or_none(response)
    if isinstance(body, dict):
        for key in ("message", "error", "detail", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                name = body.get("field")
                return conn.mask(f"{name}: {value}" if name else value)
            if isinstance(value, dict):
                return conn.mask(_item_error(value, response.status_code))
    return conn.excerpt(response.text, _EXCERPT) or response.reason_phrase


def _item_error(error: Any, code: int) -> str:
    if isinstance(error, dict):
        name, message = error.get("field"), error.get("message") or "rejected"
        return f"{name}: {message}" if name else str(message)
    if isinstance(error, str) and error:
        return error
    return f"item rejected with status {code}"


def _plain_id(text: str) -> Any:
    value = unquote(text)
    return int(value) if value.isdigit() else value


def write_records(
    connection: Connection,
    template_name: str,
    rows: Iterable[Mapping[str, Any]] | Iterable[tuple[int, Mapping[str, Any]]],
    *,
    mapping: Mapping[str, str] | None = None,
    constants: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    batch_size: int | None = None,
    results: str | Path | None = None,
    dry_run: bool = False,
    retry_unknown: bool = False,
    echo: Callable[[str], None] | None = None,
    warn: Callable[[str], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> WriteSummary:
    """Write `rows` through the write template `template_name` and return what happened.

    `rows` are dicts (numbered from 1) or `(row_number, dict)` pairs as `read_input` yields.
    `mapping` is field -> column (`--map`); `constants` are fixed body values (`--set`);
    `params` fixed template parameters (`-p`, e.g. loggingLevel or a path id). `results` is the
    ledger file: rows already ok there are skipped. `dry_run` prints each request via `echo`
    (stdout by default) and sends nothing. Rows that fail are counted in `summary.error`.
    `progress(n)` is told, about once a second, how many more rows have finished.
    """
    template = get_template(template_name)
    if template.kind != "write":
        raise ConfigError(
            f"{template_name} is a read template; `write` needs a write template such as "
            "create_contact (see `templates`)"
        )
    both = sorted(set(constants or {}) & set(params or {}))
    if both:
        raise ConfigError(f"{both[0]!r} is given by both --set and -p; keep one of them")
    mapper = RowMapper(template, mapping=mapping, constants={**(constants or {}), **(params or {})})
    ledger = Ledger(Path(results) if results is not None else None)
    writer = _Writer(
        connection,
        template,
        mapper,
        batch_size=resolve_batch_size(batch_size),
        ledger=ledger,
        dry_run=dry_run,
        retry_unknown=retry_unknown,
        workers=connection.settings.max_concurrency,
        echo=echo or _stdout,
        warn=warn or _stderr,
        progress=progress,
    )
    return writer.run(rows)
