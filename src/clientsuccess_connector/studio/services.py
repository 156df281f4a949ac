"""Every call the studio makes into the library, in one place.

The web layer only renders and routes; anything with a rule in it (resolving a source, reading,
path suggestions, sync, write mapping and dry runs, the flow file's shape) is the library's, and
is reached through the functions here. When a library API changes, this is the file to touch.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import httpx
import orjson
import yaml

from clientsuccess_connector.catalog import Param, Template, catalog, get_template
from clientsuccess_connector.config.flow import Flow, LookupSpec, load_flow, parse_flow
from clientsuccess_connector.config.yaml_file import load_yaml, read_flow_text
from clientsuccess_connector.connection import Connection, ConnectionSettings, ConnectionStats
from clientsuccess_connector.connection.locations import parse_destination
from clientsuccess_connector.credentials import (
    AUTH_KINDS,
    ENVIRONMENT,
    CredentialStore,
    check_credential,
    resolve_settings,
)
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.extract.suggest import suggest_paths
from clientsuccess_connector.inputs import read_input
from clientsuccess_connector.read.default_streams import DEFAULT_STREAMS, default_sources
from clientsuccess_connector.read.endpoint import METHODS, SourceSpec, resolve
from clientsuccess_connector.read.fanout import prepare_lookups
from clientsuccess_connector.read.incremental.partition_state import state_summary
from clientsuccess_connector.read.macros import DEFAULT_DATE_FORMAT, TIME_UNITS
from clientsuccess_connector.read.pagination import Page
from clientsuccess_connector.read.progress import ProgressListener
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.read.run import ReadRun
from clientsuccess_connector.sinks import Column, open_sink
from clientsuccess_connector.sinks.values import json_text
from clientsuccess_connector.studio.ledgers import rows_written
from clientsuccess_connector.syncing.run import StreamResult, SyncOptions, sync
from clientsuccess_connector.syncing.streams import select_sources
from clientsuccess_connector.write import WriteJob, write_input
from clientsuccess_connector.write.mapping import ITEM_FIELDS, ITEM_TEMPLATES

DEFAULT_DESTINATION = "duckdb:///clientsuccess.duckdb"
DATE_FORMATS = (
    DEFAULT_DATE_FORMAT,
    "yyyy-MM-dd",
    "yyyy-MM-dd'T'HH:mm:ss'Z'",
    "%Y-%m-%dT%H:%M:%S.000Z",
    "epoch",
    "epoch_ms",
)
TIME_UNIT_CHOICES = TIME_UNITS
HTTP_METHODS = METHODS
UPLOAD_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")
_SAMPLE = 10
_RAW_LIMIT = 20_000


# -- catalogue ---------------------------------------------------------------------------------


def read_templates() -> list[Template]:
    """Templates a data flow can read from, in catalogue order."""
    return [t for t in catalog().values() if t.kind == "read"]


def write_templates() -> list[Template]:
    """Templates records can be written through."""
    return [t for t in catalog().values() if t.kind == "write"]


def template(name: str) -> Template:
    """One template; ConfigError listing the known ones otherwise."""
    return get_template(name)


def write_fields(name: str) -> list[Param]:
    """The fields a row maps to for write template `name` (line items for contract items)."""
    tpl = get_template(name)
    if name in ITEM_TEMPLATES:
        return [p for p in tpl.params if p.name != "items"] + list(ITEM_FIELDS)
    return list(tpl.params)


# -- credentials -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CredentialRow:
    """A credential as the browser may see it: never a secret."""

    name: str
    base_url: str
    auth: str
    username: str | None
    secret_location: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one authenticated call with a credential."""

    status: str  # works | refused | unreachable
    message: str


class Credentials:
    """The credential store behind the Credentials screen (the same one `credentials` uses)."""

    def __init__(self, config_dir: Path | None = None) -> None:
        self.store = CredentialStore(config_dir)

    def rows(self) -> list[CredentialRow]:
        return [
            CredentialRow(c.name, c.base_url, c.auth, c.username, c.secret_location)
            for c in self.store.list()
        ]

    def names(self) -> list[str]:
        return [c.name for c in self.store.list()]

    def add(
        self,
        name: str,
        *,
        base_url: str,
        auth: str,
        api_key_header: str,
        username: str | None,
        secret: str,
    ) -> None:
        kind = next((k for k in AUTH_KINDS if k == auth), None)
        if kind is None:
            raise ConfigError(f"Authentication must be one of {', '.join(AUTH_KINDS)}")
        self.store.add(
            name,
            base_url=base_url,
            auth=kind,
            api_key_header=api_key_header,
            username=username,
            secret=secret,
        )

    def remove(self, name: str) -> None:
        self.store.remove(name)

    def check(self, name: str) -> CheckResult:
        result = check_credential(self.store.settings(name), name)
        return CheckResult(result.status, result.message)


# -- the flow file -----------------------------------------------------------------------------


class FlowFile:
    """The flow file the studio reads and saves: the same YAML the CLI reads."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def label(self) -> str:
        """The path as the user gave it (relative to the working folder when inside it)."""
        try:
            return str(self.path.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(self.path)

    def raw(self) -> dict[str, Any]:
        """The document as written (`${VAR}` left as is); empty when the file does not exist."""
        if not self.path.exists():
            return {}
        doc = load_yaml(read_flow_text(self.path), f"flow file {self.path}") or {}
        if not isinstance(doc, dict):
            raise ConfigError(f"flow file {self.path}: expected a mapping of keys to values")
        return doc

    def load(self) -> Flow:
        """The validated flow (an empty one when the file does not exist yet)."""
        if not self.path.exists():
            return Flow(self.path)
        return load_flow(self.path)

    def destination(self) -> str:
        return self.load().destination or DEFAULT_DESTINATION

    def with_lookups(self, names: Sequence[str]) -> Flow:
        """This flow plus stream lookups for `names` not declared yet (for a Test)."""
        flow = self.load()
        lookups: dict[str, LookupSpec] = dict(flow.lookups)
        for name in names:
            lookups.setdefault(name, LookupSpec(name, stream=name))
        return dataclasses.replace(flow, lookups=lookups)

    def add_source(
        self,
        name: str,
        entry: Mapping[str, Any],
        lookups: Sequence[str],
        credential: str | None = None,
    ) -> Flow:
        """Validate and save a new source (and the stream lookups it uses); the saved flow.

        The chosen credential becomes the flow's `connection: credential:` unless it names one
        already, so `sync --flow FILE` later reads with the same credential."""
        if not name.strip():
            raise ConfigError("Source name is empty; give the source a name such as notes")
        doc = self.raw()
        sources = dict(doc.get("sources") or {})
        if name in sources:
            raise ConfigError(f"a source named {name!r} is already in {self.path}; pick another")
        sources[name] = dict(entry)
        doc["sources"] = sources
        if lookups:
            declared = dict(doc.get("lookups") or {})
            for lookup in lookups:
                declared.setdefault(lookup, {"stream": lookup})
            doc["lookups"] = declared
        connection = dict(doc.get("connection") or {})
        if credential and credential != ENVIRONMENT:
            connection.setdefault("credential", credential)
            doc["connection"] = connection
        flow = parse_flow(doc, path=self.path, env=os.environ)  # the CLI's own validation
        resolve(flow.source(name))
        self._save(doc)
        return flow

    def _save(self, doc: Mapping[str, Any]) -> None:
        text = yaml.safe_dump(dict(doc), sort_keys=False, allow_unicode=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".flow-", suffix=".yaml")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(self.path)


def source_entry(values: Mapping[str, Any]) -> dict[str, Any]:
    """A flow file's source entry from form values, leaving out what is empty."""
    return {k: v for k, v in values.items() if v not in (None, "", {}, [])}


def spec_from_entry(name: str, entry: Mapping[str, Any]) -> SourceSpec:
    """The SourceSpec a source entry describes, validated the way the flow file is."""
    flow = parse_flow({"sources": {name or "test": dict(entry)}}, path=None, env=os.environ)
    return next(iter(flow.sources.values()))


def lookup_choices(flow: Flow) -> list[str]:
    """Lookups a source may use: the flow's, its sources and the default streams."""
    return sorted({*flow.lookups, *flow.sources, *DEFAULT_STREAMS})


def lookup_columns(flow: Flow, names: Sequence[str]) -> dict[str, list[str]]:
    """Columns each lookup offers for `{lookup.column}` macros (from synced data when any)."""
    destination = flow.destination or DEFAULT_DESTINATION
    found: dict[str, list[str]] = {}
    synced = _synced_columns(destination, names)
    for name in names:
        spec = flow.lookups.get(name)
        if spec is not None and spec.file is not None and spec.file.exists():
            first = next(iter(read_input(str(spec.file))), None)
            found[name] = list(first[1]) if first else []
        else:
            found[name] = synced.get(name) or _primary_key(flow, name)
    return found


def _primary_key(flow: Flow, name: str) -> list[str]:
    specs = {**default_sources(), **flow.sources}
    if name not in specs:
        return ["id"]
    return list(resolve(specs[name]).primary_key) or ["id"]


def _synced_columns(destination: str, names: Sequence[str]) -> dict[str, list[str]]:
    if not _destination_exists(destination):
        return {}
    try:
        with open_sink(destination, read_only=True) as sink:
            present = set(sink.streams())
            return {n: [c.name for c in sink.schema(n)] for n in names if n in present}
    except Exception:  # e.g. a sync holds the file right now: the menu offers primary keys
        return {}


def _destination_exists(destination: str) -> bool:
    path = parse_destination(destination).path
    return path is None or path.exists()


# -- connections -------------------------------------------------------------------------------


def connection_settings(
    credentials: Credentials, credential: str | None, flow: Flow | None
) -> ConnectionSettings:
    """Settings as the CLI's `--credential NAME --flow FILE` would have them, secrets required."""
    connection = flow.connection if flow is not None else None
    label = str(flow.path) if flow is not None and flow.path else None
    settings = resolve_settings(connection, credential, store=credentials.store, flow_label=label)
    settings.require_credentials()
    return settings


def offline_settings() -> ConnectionSettings:
    """Settings without credentials, for a dry run (which sends nothing)."""
    return ConnectionSettings()


# -- Test: a sample, the raw response, the requests and path suggestions -------------------------


@dataclass(slots=True)
class Suggestion:
    """One path suggestion."""

    path: str
    records: int
    description: str


@dataclass(slots=True)
class TestResult:
    """What the Test button shows."""

    records: list[dict[str, Any]]
    columns: list[str]
    raw: str
    requests: list[str]
    data_paths: list[Suggestion] = field(default_factory=list)
    metadata_paths: list[Suggestion] = field(default_factory=list)


def test_source(settings: ConnectionSettings, spec: SourceSpec, flow: Flow) -> TestResult:
    """Fetch a sample of `spec` as `test` does, the first raw response and its suggestions."""
    source = resolve(spec)
    sent: list[str] = []
    first: list[httpx.Response] = []

    def keep_first(page: Page) -> None:
        if not first:  # pages arrive in order here (parallel_pages=False), the first first
            first.append(page.response)

    with Connection(settings, on_request=sent.append) as connection:
        lookups = prepare_lookups(flow, connection, [source])
        with Reader(connection, lookups=lookups, parallel_pages=False) as reader:
            records = list(reader.records(source, ReadRun(on_page=keep_first), limit=_SAMPLE))
            fanned_out = reader.lookup_rows(source) is not None
            # The sample's own first response serves the raw view and the suggestions; a
            # fan-out source asks again so that they show its first lookup value's response.
            response = first[0] if first and not fanned_out else reader.first_response(source)
        raw = connection.mask(response.text[:_RAW_LIMIT])
        requests = [connection.mask(text) for text in sent]
    suggestions = suggest_paths(response.content, response.headers.get("Content-Type"))
    return TestResult(
        records=records,
        columns=_columns(records),
        raw=_pretty(raw),
        requests=requests,
        data_paths=[  # a path that yields no record is no suggestion
            Suggestion(s.path, s.records, s.description) for s in suggestions.data if s.records
        ],
        metadata_paths=[Suggestion(s.path, s.records, s.description) for s in suggestions.metadata],
    )


def _columns(records: Sequence[Mapping[str, Any]]) -> list[str]:
    columns: list[str] = []
    for record in records:
        columns.extend(k for k in record if k not in columns)
    return columns


def _pretty(text: str) -> str:
    try:
        return orjson.dumps(orjson.loads(text), option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONDecodeError:
        return text


def cell(value: Any) -> str:
    """A value as table text (nested values as compact JSON, big integers exact)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json_text(value)


# -- sync and datasets -------------------------------------------------------------------------

SyncProgress = Callable[[str, int], None]


def run_sync(
    settings: ConnectionSettings,
    flow: Flow,
    streams: Sequence[str],
    progress: SyncProgress,
    watch: Callable[[ConnectionStats], None] | None = None,
    on_progress: ProgressListener | None = None,
) -> list[StreamResult]:
    """Sync `streams` of the flow into its destination, as `sync --flow FILE --stream ...`.

    `progress(stream, records)` is told of records as they land; `watch` gets the connection's
    live counters (requests, retries) once it is open; `on_progress` each stream's read progress
    (records of the announced total) after every page."""
    sources = {name: resolve(spec) for name, spec in select_sources(flow, streams).items()}
    with (
        Connection(settings) as connection,
        open_sink(flow.destination or DEFAULT_DESTINATION, naming=flow.naming) as sink,
    ):
        if watch is not None:
            watch(connection.stats)
        lookups = prepare_lookups(flow, connection, sources.values())
        options = SyncOptions(lookups=lookups, server=flow.server)
        return sync(connection, sink, sources, options, progress, on_progress=on_progress)


@dataclass(slots=True)
class Dataset:
    """One stream in the destination, as the Datasets screen shows it."""

    stream: str
    columns: list[Column]
    rows: int
    cursor: dict[str, Any] | None
    sample: list[dict[str, Any]]
    sample_columns: list[str]


def stream_names(flow: Flow) -> list[str]:
    """The streams a sync of this flow reads."""
    return list(flow.sources) or list(DEFAULT_STREAMS)


def datasets(destination: str) -> list[Dataset]:
    """Every stream in the destination: schema, row count, cursor and a few rows."""
    if not _destination_exists(destination):
        return []
    found: list[Dataset] = []
    with open_sink(destination, read_only=True) as sink:
        for stream in sink.streams():
            sample = sink.read_rows(stream, limit=_SAMPLE)
            found.append(
                Dataset(
                    stream=stream,
                    columns=sink.schema(stream),
                    rows=sink.row_count(stream),
                    cursor=state_summary(sink.get_state(stream)),
                    sample=sample,
                    sample_columns=_columns(sample),
                )
            )
    return found


# -- writes ------------------------------------------------------------------------------------


def input_columns(path: Path, limit: int = 5) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and the first rows of an uploaded input, read by the CLI's own input readers."""
    rows = [record for _, record in islice(read_input(str(path)), limit)]
    return _columns(rows), rows


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


def read_results(path: Path, start: int = 0) -> Iterator[dict[str, Any]]:
    """The results ledger's lines from byte `start` on (this run's), a row's last line each."""
    if not path.exists():
        return
    latest: dict[int, dict[str, Any]] = {}
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read()
    for line in data.splitlines():
        if line.strip():
            entry = orjson.loads(line)
            if "row" in entry:  # the first line names the ledger, not a row
                latest[int(entry["row"])] = entry
    for row in sorted(latest):
        yield latest[row]
