"""The Test button: a sample of a source, its raw response, the requests and path suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from clientsuccess_connector.config.flow import Flow
from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.extract.suggest import suggest_paths
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.fanout import prepare_lookups
from clientsuccess_connector.read.pagination import Page
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.read.run import ReadRun
from clientsuccess_connector.studio.services.common import SAMPLE_ROWS, column_names

_RAW_LIMIT = 20_000


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
            records = list(reader.records(source, ReadRun(on_page=keep_first), limit=SAMPLE_ROWS))
            fanned_out = reader.lookup_rows(source) is not None
            # The sample's own first response serves the raw view and the suggestions; a
            # fan-out source asks again so that they show its first lookup value's response.
            response = first[0] if first and not fanned_out else reader.first_response(source)
        raw = connection.mask(response.text[:_RAW_LIMIT])
        requests = [connection.mask(text) for text in sent]
    suggestions = suggest_paths(response.content, response.headers.get("Content-Type"))
    return TestResult(
        records=records,
        columns=column_names(records),
        raw=_pretty(raw),
        requests=requests,
        data_paths=[  # a path that yields no record is no suggestion
            Suggestion(s.path, s.records, s.description) for s in suggestions.data if s.records
        ],
        metadata_paths=[Suggestion(s.path, s.records, s.description) for s in suggestions.metadata],
    )


def _pretty(text: str) -> str:
    try:
        return orjson.dumps(orjson.loads(text), option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONDecodeError:
        return text
