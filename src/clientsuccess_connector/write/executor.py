"""Run a write: rows -> mapping -> units -> Connection -> results ledger.

Single-record templates run concurrently (`max_concurrency` threads under the connection's
shared limiter); bulk batches and contract-item groups too. At most `2 x workers` requests are in
flight, so the input is never read far ahead. Retries are the Connection's alone; what an answer
means per row is `outcomes`' business, settling unknown outcomes `recovery`'s.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from clientsuccess_connector.catalog import Template, get_template
from clientsuccess_connector.catalog.manual import manual_template
from clientsuccess_connector.catalog.overrides import effective_template
from clientsuccess_connector.connection import Connection, ConnectionStats
from clientsuccess_connector.errors import AuthError, ConfigError, ConnectorError, TransportError
from clientsuccess_connector.inputs import read_input
from clientsuccess_connector.write.batching import Batcher, Unit, resolve_batch_size
from clientsuccess_connector.write.identity import RowIdentity
from clientsuccess_connector.write.job import WriteJob
from clientsuccess_connector.write.ledger import Ledger, RowResult
from clientsuccess_connector.write.mapping import Prepared, RowError, RowMapper
from clientsuccess_connector.write.modes import Modes, key_fields
from clientsuccess_connector.write.outcomes import row_outcomes
from clientsuccess_connector.write.recovery import Recovery, TemplateResolver
from clientsuccess_connector.write.report import LogReporter, WriteReporter
from clientsuccess_connector.write.summary import WriteSummary

_PROGRESS_SECONDS = 1.0
_RECOVERY_ROUNDS = 5  # look-ups and safe re-sends after an unknown outcome, per unit

Rows = Iterable[Mapping[str, Any]] | Iterable[tuple[int, Mapping[str, Any]]]


def _peek(rows: Rows) -> tuple[Mapping[str, Any], Rows]:
    """The first row (empty when there is none) and all the rows, the first included."""
    iterator = iter(rows)
    for item in iterator:
        first = item[1] if isinstance(item, tuple) else item
        return first, itertools.chain([item], iterator)  # type: ignore[return-value]
    return {}, ()


def _numbered(rows: Iterable[Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Accept plain dicts (numbered from 1) or `(row_number, dict)` pairs from an input reader."""
    for index, item in enumerate(rows, start=1):
        if isinstance(item, tuple):
            yield item[0], item[1]
        else:
            yield index, item


def _instance(base_url: str) -> str:
    """The instance a ledger belongs to: its base URL without credentials, query or fragment."""
    location = base_url.split("#", maxsplit=1)[0].split("?", maxsplit=1)[0].rstrip("/")
    return re.sub(r"//[^/@]*@", "//", location)


@dataclass(frozen=True, slots=True)
class _Update:
    """A changed row to send through the update template (`mode: update|upsert`)."""

    unit: Unit
    ident: Any


@dataclass(frozen=True, slots=True)
class _Interrupted:
    """A row an earlier run may have sent: to be looked up (in a worker) before sending."""

    row: int
    prepared: Prepared


class _Progress:
    """Tells the reporter how many rows finished, about once a second."""

    def __init__(self, reporter: WriteReporter) -> None:
        self.reporter = reporter
        self._unreported = 0
        self._reported_at = time.monotonic()

    def add(self, rows: int, *, final: bool = False) -> None:
        self._unreported += rows
        now = time.monotonic()
        if self._unreported and (final or now - self._reported_at >= _PROGRESS_SECONDS):
            self.reporter.progress(self._unreported)
            self._unreported, self._reported_at = 0, now


class _Writer:
    """One run of one job; see `write_records`."""

    def __init__(
        self,
        connection: Connection,
        job: WriteJob,
        template: Template,
        mapper: RowMapper,
        reporter: WriteReporter,
        resolve: TemplateResolver = get_template,
    ) -> None:
        self.conn = connection
        self.job = job
        self.template = template
        self.mapper = mapper
        self.reporter = reporter
        self.batcher = Batcher(template, mapper, resolve_batch_size(job.batch_size))
        self.workers = connection.settings.max_concurrency
        instance = _instance(connection.settings.base_url)
        owner = {"template": template.name, "instance": instance}
        self.ledger = Ledger(job.results, owner, write=not job.dry_run)
        salt = self.ledger.salt or secrets.token_hex(8)  # no ledger: keys last one run
        self.modes = Modes(template, job.mode, resolve)
        keyed_by = key_fields(template, job.mode, job.key)
        self.identity = RowIdentity(template, keyed_by, salt=salt, instance=instance)
        self._row_keys: dict[int, tuple[str, str]] = {}  # unfinished rows -> (key, content)
        self.recovery = Recovery(connection, template, job.retry_unknown, self.workers, resolve)
        self.summary = WriteSummary(template.name, dry_run=job.dry_run)
        self.progress = _Progress(reporter)
        self._warned_put = False
        self._requests_lock = threading.Lock()
        self._units_sent = 0  # units sent a first time; every other write attempt is a re-send
        self.sent = ConnectionStats()  # every write request sent, re-sends included

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
                if isinstance(item, Unit | _Update) and self.job.dry_run:
                    self._show(item.unit if isinstance(item, _Update) else item)
                    continue
                while len(inflight) >= limit:
                    done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                    self._collect(done)
                if isinstance(item, Unit):
                    inflight.add(pool.submit(self._send, item))
                elif isinstance(item, _Update):
                    inflight.add(pool.submit(self._send_update, item))
                else:
                    inflight.add(pool.submit(self._settle_interrupted, item))
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # queued units never start
            raise
        finally:
            pool.shutdown(wait=True)
            self.summary.seconds = time.monotonic() - started
            if not self.job.dry_run:
                self.summary.requests = self.sent.requests + self.recovery.stats.requests
                self.summary.resent = self.sent.requests - self._units_sent
                self.summary.lookups = self.recovery.stats.requests
            self.ledger.close()
            self.recovery.close()
        self._collect(inflight)
        self.progress.add(0, final=True)
        return self.summary

    def _collect(self, futures: Iterable[Future[list[RowResult]]]) -> None:
        for future in futures:
            self._count(future.result())  # re-raises a fatal error (bad credentials)

    def _count(self, results: list[RowResult]) -> None:
        self.progress.add(len(results))
        self.summary.count(results)

    def _units(
        self, rows: Iterable[Any]
    ) -> Iterator[Unit | _Update | _Interrupted | list[RowResult]]:
        """Units to send and interrupted rows to settle, interleaved with rows decided without
        sending (skipped: already done in the ledger; invalid)."""
        for row, record in _numbered(rows):
            try:
                prepared = self.mapper.prepare(record)
            except RowError as exc:
                yield self._final([RowResult(row, "error", error=str(exc))])
                continue
            try:
                key, content = self.identity.identify(row, prepared)
            except RowError as exc:
                yield self._final([RowResult(row, "error", error=str(exc))])
                continue
            self._row_keys[row] = key, content
            self.identity.fill_generated(prepared, key)
            prior = self.ledger.prior(key)
            decision = self.modes.decide(prior, content)
            if decision.action == "skip":
                yield self._final([RowResult(row, "skipped", id=prior.id)], durable=False)
                continue
            if decision.action == "error":
                yield self._final([RowResult(row, "error", error=decision.error)])
                continue
            if decision.action == "update":
                yield _Update(self.modes.update_unit(row, prepared, prior.id), prior.id)
                continue
            if prior.state == "unknown" and self.recovery.must_settle():
                if not self.job.dry_run:
                    yield _Interrupted(row, prepared)
                    continue
                interrupted = self._interrupted_dry_run(row, prepared.body)
                if interrupted is not None:
                    yield interrupted
                    continue
            self._warn_put(prepared.body)
            yield from self.batcher.add(row, prepared)
        yield from self.batcher.flush()

    def _interrupted_dry_run(self, row: int, body: Mapping[str, Any]) -> list[RowResult] | None:
        if self.recovery.needs_lookup(body):
            self.reporter.request(
                f"# row {row}: interrupted earlier; would look it up before re-sending"
            )
            return None
        result = self.recovery.interrupted(row, body)
        return None if result is None else self._final([result])

    def _settle_interrupted(self, item: _Interrupted) -> list[RowResult]:
        """In a worker: look an interrupted row up; send it only when it is surely not there."""
        result = self.recovery.interrupted(item.row, item.prepared.body)
        if result is None:
            return self._send(self.batcher.alone(item.row, item.prepared))
        return self._final([result])

    def _final(self, results: list[RowResult], *, durable: bool = True) -> list[RowResult]:
        """Record rows that are finished: each line carries its row's key."""
        self._record(results, durable=durable)
        for result in results:
            self._row_keys.pop(result.row, None)
        return results

    def _record(self, results: list[RowResult], *, durable: bool = True) -> None:
        if self.job.dry_run:
            return
        for result in results:
            known = self._row_keys.get(result.row)
            if known is not None:
                result.key, result.content = known
        self.ledger.write(results, durable=durable)

    def _warn_put(self, body: Mapping[str, Any]) -> None:
        if self._warned_put or not self.template.replaces_whole or self.mapper.item_mode:
            return
        self._warned_put = True
        emptied = [name for name in self.mapper.body_fields if name not in body]
        if emptied:
            self.reporter.warning(
                f"{self.template.name} is a PUT (full replace): fields not given are "
                f"sent as null and emptied on the server; in the first row these are: "
                f"{', '.join(emptied)}"
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
        self.reporter.request(f"# {rows}\n{text}\n")
        self._count([RowResult(row, "ok") for row in unit.rows])

    def _send_update(self, item: _Update) -> list[RowResult]:
        """Send a changed row through the update template; the record keeps its id."""
        assert self.modes.update is not None
        results = self._send(item.unit, self.modes.update)
        for result in results:
            result.id = result.id if result.id is not None else item.ident
        return results

    def _send(self, unit: Unit, template: Template | None = None) -> list[RowResult]:
        """Send one unit (in a worker thread) and durably record its rows' outcomes."""
        with self._requests_lock:
            self._units_sent += 1
        template = template or self.template
        if not template.idempotent:
            self._record([RowResult(row, "pending") for row in unit.rows])  # before sending
        try:
            results = self._attempt(unit, template)
        except ConnectorError as exc:  # raised before sending: a refused login, bad settings
            self._final([RowResult(row, "error", error=str(exc)) for row in unit.rows])
            raise
        if template is self.template:
            results = self._settle(unit, results)
        self._final(results)
        if results and results[0].http_status in (401, 403):
            raise AuthError(
                f"ClientSuccess rejected the credentials (HTTP {results[0].http_status}); "
                f"check {self.conn.settings.secret_named}, then re-run with the same "
                "`results` file",
                status=results[0].http_status or 401,
                url=self.conn.url_for(unit.path),
            )
        return results

    def _settle(self, unit: Unit, results: list[RowResult]) -> list[RowResult]:
        """Rounds of look-ups and safe re-sends for rows whose outcome is unknown.

        The same unusable answer twice (an unreadable bulk answer, a look-up that cannot tell)
        is the server's answer, not bad luck: the rows stay unknown, for a re-run to settle.
        """
        seen = {r.unreadable for r in results if r.unreadable}
        for _ in range(_RECOVERY_ROUNDS):
            if not any(r.outcome_unknown for r in results):
                break
            results = self.recovery.settle(
                unit, results, lambda rows: self._attempt(self.batcher.subset(unit, rows))
            )
            answers = {r.unreadable for r in results if r.unreadable}
            if answers & seen:
                break
            seen |= answers
        return results

    def _attempt(self, unit: Unit, template: Template | None = None) -> list[RowResult]:
        """Send `unit` once (the Connection re-sends only what cannot have acted)."""
        template = template or self.template
        try:
            response = self.conn.request(
                unit.method,
                unit.path,
                params=unit.query or None,
                json=unit.body,
                raise_for_status=False,
                idempotent=template.idempotent,
                not_acted=template.rejected_before_acting,
                stats=self.sent,
            )
        except TransportError as exc:
            unknown = not template.idempotent and exc.maybe_sent
            return [
                RowResult(row, "error", error=str(exc), outcome_unknown=unknown)
                for row in unit.rows
            ]
        return row_outcomes(
            template, unit, response, item_mode=self.mapper.item_mode, mask=self.conn.mask
        )


def write_records(
    connection: Connection,
    job: WriteJob,
    rows: Rows,
    reporter: WriteReporter | None = None,
    *,
    template: Template | None = None,
    resolve: TemplateResolver = get_template,
) -> WriteSummary:
    """Write `rows` as `job` says and return what happened (`job.input` is not read).

    `rows` are dicts (numbered from 1) or `(row_number, dict)` pairs as `read_input` yields.
    Rows that fail are counted in `summary.error`; `reporter` (logging by default) hears of
    progress, warnings and, under a dry run, each request that would be sent. `template` is
    the job's template as a flow file corrects it (`Flow.write_template`); by default the
    catalogue's, with the job's own `method`/`path` applied. `resolve` gives the search
    templates that crash recovery looks records up with, as the flow corrects them
    (`Flow.template`).
    """
    if template is None and job.url:
        first, rows = _peek(rows)
        fields = {**{name: name for name in job.constants}, **job.mapping}
        template = manual_template(job.method or "POST", job.url, first, fields=fields)
    if template is None:
        template = effective_template(job.template, method=job.method, path=job.path)
    if template.kind != "write":
        raise ConfigError(
            f"{job.template} is a read template; a write needs a write template such as "
            "create_contact (see `templates`)"
        )
    both = sorted(set(job.constants) & set(job.params))
    if both:
        raise ConfigError(f"{both[0]!r} is given by both `set` and `params`; keep one of them")
    mapper = RowMapper(template, mapping=job.mapping, constants={**job.constants, **job.params})
    writer = _Writer(connection, job, template, mapper, reporter or LogReporter(), resolve)
    return writer.run(rows)


def write_input(
    connection: Connection,
    job: WriteJob,
    reporter: WriteReporter | None = None,
    *,
    template: Template | None = None,
    resolve: TemplateResolver = get_template,
) -> WriteSummary:
    """`write_records` over the job's input: a file, `-`, or a duckdb:// / postgresql:// URL."""
    if not job.input:
        raise ConfigError(
            f"{job.name}: `input` is needed: a file, '-' for JSON lines on stdin, or a "
            "duckdb:// / postgresql:// URL"
        )
    rows = read_input(job.input)
    return write_records(connection, job, rows, reporter, template=template, resolve=resolve)
