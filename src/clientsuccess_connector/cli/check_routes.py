"""`check-routes`: ask an instance which template routes it knows, without changing anything.

Each template gets one harmless request:
- a read: its method with only the required parameters, dummy values (`0`, the first allowed
  value, `check-routes`) and, for a search, `page=0&size=1`;
- a POST, PUT or PATCH: that method with an empty body, which a real API refuses (400, 415 or
  422) before acting, and never stores;
- a DELETE: `OPTIONS` on its path instead, so nothing is ever deleted.

A 404 is ambiguous (no such route, or no record `0`). The command asks for a path that cannot
exist and remembers what "no such route" looks like on this instance: a 404 that looks
different came from the route itself. A 404 that looks the same (many gateways answer every
404 alike) is asked again with a real record's id, taken from the first page of the search of
the same resource (`/contract/search` for `/contract/{contractId}`): only a 404 for a record
that exists proves the route missing. Each verdict says how sure it is.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import httpx
import orjson

from clientsuccess_connector.catalog import Param, Template, catalog, envelope
from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.completion import complete_templates
from clientsuccess_connector.cli.logs import notice
from clientsuccess_connector.cli.options import (
    ConnectionOptions,
    credential_option,
    load_flow_option,
    open_connection,
)
from clientsuccess_connector.cli.output import cell, emit, format_option, print_table
from clientsuccess_connector.cli.terminal import echo
from clientsuccess_connector.connection import Connection
from clientsuccess_connector.connection.urls import V1_PREFIX, render_path
from clientsuccess_connector.errors import ConfigError, TransportError

if TYPE_CHECKING:
    from clientsuccess_connector.config.flow import Flow

_JSON = {"Content-Type": "application/json"}
_VOLATILE = {"timestamp", "path", "trace", "traceId", "requestId", "instance"}
_DUMMY: dict[str, str] = {
    "integer": "0", "number": "0", "boolean": "false", "date": "2000-01-01",
    "timestamp": "2000-01-01T00:00:00.000Z",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Probe:
    """The one request that checks a template's route."""

    template: Template
    method: str
    path: str
    params: dict[str, str]

    @property
    def empty_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH")

    def describe(self) -> str:
        """`METHOD /path?query` (+ "empty body"), for the report."""
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        text = f"{self.method} {self.path}{'?' + query if query else ''}"
        return text + (" (empty body)" if self.empty_body else "")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the answer says about the route: known, missing, wrong method or unchecked."""

    template: str
    probe: str
    status: int | None
    verdict: str
    detail: str
    certainty: str = "sure"  # or "likely": the answer alone cannot settle it

    @property
    def known(self) -> bool:
        return self.verdict == "known"


def _dummy(param: Param) -> str:
    if param.enum:
        return param.enum[0]
    return _DUMMY.get(param.type, "check-routes")


def probe_for(template: Template) -> Probe:
    """The harmless request for `template` (see the module docstring)."""
    path = render_path(template.path, {p.name: _dummy(p) for p in template.path_params})
    params = {p.name: _dummy(p) for p in template.params if p.location == "query" and p.required}
    if template.pagination == "envelope":
        params.update(page="0", size="1")
    method = "OPTIONS" if template.method == "DELETE" else template.method
    return Probe(template, method, path, params if template.kind == "read" else {})


def _fingerprint(response: httpx.Response) -> tuple[int, str]:
    """The answer with what depends on the request (path, method, time) taken out."""
    text = response.text
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict):
        text = orjson.dumps({k: v for k, v in body.items() if k not in _VOLATILE}).decode()
    request = response.request
    for value in (str(request.url), request.url.path, request.method):
        text = text.replace(value, "")
    return response.status_code, text


_SAMPLE = 20  # records asked of a search to find one with the values a probe needs
Judge = Callable[[int | None, str, str], Verdict]


def _resource(path: str) -> str:
    """The first segment of a route (`contract` of `/contract/{contractId}`)."""
    return path.lstrip("/").split("/", 1)[0]


def _real_value(param: Param, record: dict[str, Any]) -> Any:
    """The value a record gives a probe's parameter: by name, else, for a path parameter, its
    id (`uuid` for one typed as text, since text ids of this API are UUIDs)."""
    if param.name in record or param.location != "path":
        return record.get(param.name)
    if param.type != "integer" and record.get("uuid"):
        return record["uuid"]
    return record.get("id")


class RouteChecker:
    """Sends the probes over one connection and judges each answer."""

    def __init__(self, connection: Connection, templates: list[Template] | None = None) -> None:
        self.conn = connection
        self._unknown: dict[bool, tuple[int, str] | None] = {}
        self._searches = {  # resource -> the search that lists its records
            _resource(t.path): t
            for t in (templates or list(catalog().values()))
            if t.kind == "read" and t.pagination == "envelope" and not t.path_params
        }
        self._samples: dict[str, list[dict[str, Any]]] = {}

    def _send(self, method: str, path: str, params: dict[str, str], empty: bool) -> httpx.Response:
        return self.conn.request(
            method,
            path,
            params=params or None,
            content=b"" if empty else None,
            headers=_JSON if empty else None,
            raise_for_status=False,
        )

    def _no_such_route(self, v1: bool) -> tuple[int, str] | None:
        """What this instance answers for a path that cannot exist (asked once per base)."""
        if v1 not in self._unknown:
            path = f"{V1_PREFIX if v1 else '/'}check-routes-{secrets.token_hex(6)}"
            try:
                self._unknown[v1] = _fingerprint(self._send("GET", path, {}, False))
            except TransportError:
                self._unknown[v1] = None
        return self._unknown[v1]

    def check(self, probe: Probe) -> Verdict:
        """Send one probe and say what its answer means."""

        def verdict(status: int | None, word: str, detail: str) -> Verdict:
            return Verdict(probe.template.name, probe.describe(), status, word, detail)

        try:
            response = self._send(probe.method, probe.path, probe.params, probe.empty_body)
        except TransportError as exc:
            return verdict(None, "unchecked", f"no answer: {exc}")
        status = response.status_code
        if status in (401, 403):
            return verdict(status, "unchecked", "the credentials were refused")
        if status == 405:
            if probe.method == "OPTIONS":
                return verdict(status, "unchecked", "this instance does not answer OPTIONS")
            return verdict(status, "wrong method", f"the path exists, not with {probe.method}")
        if status == 404:
            baseline = self._no_such_route(probe.path.startswith(V1_PREFIX))
            if baseline is not None and baseline[0] == 404 and _fingerprint(response) != baseline:
                return verdict(status, "known", "the route answered: no record with the probe's id")
            return self._with_real_record(probe, verdict)
        if status >= 500:
            return verdict(status, "unchecked", "server error; try again later")
        allow = response.headers.get("allow")
        if probe.method == "OPTIONS" and allow is not None:
            methods = {m.strip().upper() for m in allow.split(",")}
            if probe.template.method not in methods:
                return verdict(status, "wrong method", f"the path takes {allow}")
        return verdict(status, "known", "")

    def _with_real_record(self, probe: Probe, verdict: Judge) -> Verdict:
        """A 404 like the one for a path that cannot exist: ask again with a real record's
        values; a 404 then proves the route missing, anything else proves it known."""
        real = self._real_probe(probe)
        if real is None:
            return Verdict(
                probe.template.name, probe.describe(), 404, "missing",
                "the 404 looks like the one for a path that cannot exist; no record was "
                "found to ask with, so a missing record may be all it means", "likely",
            )  # fmt: skip
        search, retry = real
        try:
            response = self._send(retry.method, retry.path, retry.params, retry.empty_body)
        except TransportError as exc:
            return verdict(None, "unchecked", f"no answer: {exc}")
        status = response.status_code
        asked = f"asked again with a record listed by {search}"
        if status == 404:
            return Verdict(probe.template.name, retry.describe(), status, "missing",
                           f"{asked}: still 404, so this instance has no such route")  # fmt: skip
        if status in (401, 403) or status >= 500:
            return verdict(status, "unchecked", f"{asked}: HTTP {status}")
        return Verdict(probe.template.name, retry.describe(), status, "known", asked)

    def _real_probe(self, probe: Probe) -> tuple[str, Probe] | None:
        """The probe with its dummy values replaced by a real record's (None without one)."""
        template = probe.template
        asked = [*template.path_params, *(p for p in template.params
                                          if p.location == "query" and p.required)]  # fmt: skip
        if not asked:
            return None
        resource = _resource(template.path.removeprefix(V1_PREFIX.rstrip("/")))
        search = self._searches.get(resource) or self._searches.get(resource.rstrip("s"))
        records = self._sample(resource, search) if search is not None else []
        candidates = ({p.name: _real_value(p, record) for p in asked} for record in records)
        values = next((v for v in candidates if None not in v.values() and "" not in v.values()),
                      None)  # fmt: skip
        if search is None or values is None:
            return None
        path = render_path(template.path, values)
        params = {**probe.params, **{p.name: str(values[p.name]) for p in asked
                                     if p.location == "query"}}  # fmt: skip
        return search.name, Probe(template, probe.method, path, params)

    def _sample(self, resource: str, search: Template) -> list[dict[str, Any]]:
        """The first records of `search` (asked once per resource; none when it fails)."""
        if resource not in self._samples:
            self._samples[resource] = []
            try:
                paging = {envelope().page_param: "0", envelope().size_param: str(_SAMPLE)}
                response = self._send("GET", search.path, paging, False)
                data = orjson.loads(response.content).get("data") if response.is_success else None
            except (TransportError, orjson.JSONDecodeError, AttributeError):
                data = None
            if isinstance(data, list):
                self._samples[resource] = [r for r in data if isinstance(r, dict)]
        return self._samples[resource]


def _templates(names: tuple[str, ...], flow: Flow | None) -> list[Template]:
    unknown = [n for n in names if n not in catalog()]
    if unknown:
        raise ConfigError(f"unknown template {unknown[0]!r}; see `templates` for the names")
    chosen = names or tuple(catalog())
    return [flow.template(n) if flow is not None else catalog()[n] for n in chosen]


@cli.command("check-routes")
@click.argument("names", nargs=-1, metavar="[TEMPLATE]...", shell_complete=complete_templates)
@click.option(
    "--flow",
    "flow_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Flow file: its connection, and its `templates:` corrections are checked instead.",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the exact requests (secrets masked); send none."
)
@format_option("How to print the verdicts.")
@credential_option
def check_routes(
    names: tuple[str, ...],
    flow_file: Path | None,
    dry_run: bool,
    fmt: str,
    credential: str | None,
) -> None:
    """Ask this instance which template routes it knows, without creating anything.

    One harmless request per template (or per TEMPLATE given): a read is a GET with dummy
    required parameters (a search asks for one record); a POST, PUT or PATCH is sent with an
    EMPTY body, which the API refuses before acting; a DELETE is checked with OPTIONS, never
    sent. A 404 that looks like the answer for a path that cannot exist is asked again with a
    real record's id from the resource's search: "missing" is then sure; without such a record
    it is "missing (likely)". Review the requests first with --dry-run (the search and the
    second request are not shown there). Exit 1 when a route is not known.

    \b
    Examples:
      clientsuccess-connector check-routes --dry-run
      clientsuccess-connector check-routes create_contact bulk_create_contacts
      clientsuccess-connector check-routes --flow flow.yaml
      clientsuccess-connector check-routes --credential sandbox
    """
    flow = load_flow_option(flow_file)
    probes = [probe_for(t) for t in _templates(names, flow)]
    options = ConnectionOptions(credentials_required=not dry_run, credential=credential)
    with open_connection(flow, options) as conn:
        if dry_run:
            for probe in probes:
                text = conn.describe_request(
                    probe.method, probe.path, params=probe.params or None,
                    headers=_JSON if probe.empty_body else None,
                )  # fmt: skip
                echo(f"# {probe.template.name}\n{text}\n")
            notice(f"{len(probes)} request(s) would be sent; nothing was sent")
            return
        checker = RouteChecker(conn, _templates((), flow))
        verdicts = [checker.check(probe) for probe in probes]
    _report(verdicts, fmt)
    if not all(v.known for v in verdicts):
        sys.exit(1)


def _report(verdicts: list[Verdict], fmt: str) -> None:
    if fmt != "table":
        rows: list[dict[str, Any]] = [
            {"template": v.template, "request": v.probe, "status": v.status,
             "verdict": v.verdict, "certainty": v.certainty, "detail": v.detail}
            for v in verdicts
        ]  # fmt: skip
        emit(rows, fmt)
        return
    body = [
        [v.template, v.probe, f"HTTP {v.status}" if v.status is not None else "-",
         v.verdict if v.certainty == "sure" else f"{v.verdict} ({v.certainty})", cell(v.detail)]
        for v in verdicts
    ]  # fmt: skip
    print_table(["template", "request", "answer", "route", "detail"], body)
    bad = [v.template for v in verdicts if not v.known]
    summary = f"{len(verdicts) - len(bad)} of {len(verdicts)} route(s) known"
    if bad:
        summary += (
            f"; not known: {', '.join(bad)} (see `clientsuccess-connector docs templates`, "
            '"When a route is wrong")'
        )
    notice(summary)
