"""A configured source: a template with parameters, or a manual endpoint, resolved and validated.

Resolution checks everything that can be checked before the first request (unknown template,
missing or unknown parameter, bad path, bad pagination), so a mistake costs no API call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from clientsuccess_connector.catalog import Param, Template, get_template, settings
from clientsuccess_connector.catalog.overrides import TemplateOverride, apply_override
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.extract.extractor import Extractor
from clientsuccess_connector.read import macros
from clientsuccess_connector.read.durations import parse_duration
from clientsuccess_connector.read.pagination_config import (
    EnvelopePagination,
    PaginatorConfig,
    parse_pagination,
)
from clientsuccess_connector.read.request_query import merge_query, paginator_keys, split_query

ResponseFormat = Literal["auto", "json", "xml"]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
DELETES_CHOICES = ("soft", "hard", "off")
"""A source's `deletes:` (and `sync --deletes`): stamp `_cs_deleted_at`, remove rows, or neither."""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """What the user asked for: a template plus params, or a manual endpoint (product doc)."""

    name: str
    template: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    method: str | None = None
    url: str | None = None
    body: Any = None
    headers: Mapping[str, str] | str | None = None
    data_path: str | None = None
    metadata_path: str | None = None
    pagination: str | Mapping[str, Any] | None = None
    page_size: int | None = None
    date_format: str | None = None
    time_unit: str | None = None
    max_pages: int | None = None
    max_records: int | None = None
    primary_key: tuple[str, ...] | None = None
    incremental_field: str | None = None
    response_format: ResponseFormat = "auto"
    path: str | None = None  # a template's route, corrected for this source alone
    override: TemplateOverride | None = None  # the flow's `templates:` correction of it
    deletes: str | None = None  # soft | hard | off: how a full refresh records deletions
    history: str | None = None  # scd2 | off: keep every version in <table>__history
    every: str | None = None  # cadence (`every: 1d`): runs skip the stream while it is fresher


@dataclass(frozen=True, slots=True)
class Source:
    """A source ready to read: every string may still hold macros, rendered per request."""

    name: str
    method: str
    url: str
    query: Mapping[str, Any]
    path_values: Mapping[str, Any]
    body: Any
    headers: Mapping[str, str]
    data_path: str | None
    metadata_path: str | None
    pagination: PaginatorConfig
    date_format: str | None
    time_unit: str | None
    max_records: int | None
    primary_key: tuple[str, ...]
    incremental_field: str | None
    response_format: ResponseFormat
    extractor: Extractor  # the data and metadata paths, compiled
    template: Template | None = None
    search: bool = False  # a ClientSuccess search: pages and answers in the search envelope
    deletes: str | None = None  # the flow's `deletes:` choice (deletes.py decides what it means)
    history: str | None = None  # the flow's `history:` (scd2 keeps every version, sinks/history.py)
    every: timedelta | None = None  # the source's cadence (cadence.py)

    def macro_texts(self) -> list[str]:
        """Every string that may hold macros, for finding lookup references."""
        # A template's `{name}` placeholders are its path parameters, not macros.
        texts = [*self.headers.values()] if self.template else [self.url, *self.headers.values()]
        texts += [
            v for v in (*self.query.values(), *self.path_values.values()) if isinstance(v, str)
        ]
        texts += _strings(self.body)
        return texts


def parse_headers(value: Mapping[str, str] | str | None, *, where: str) -> dict[str, str]:
    """Headers as a mapping, or the product doc's `h1:v1,h2:v2` string."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k).strip(): str(v).strip() for k, v in value.items()}
    headers: dict[str, str] = {}
    for pair in value.split(","):
        if not pair.strip():
            continue
        name, sep, val = pair.partition(":")
        if not sep or not name.strip():
            raise ConfigError(
                f"{where}: header {pair.strip()!r} is not NAME:VALUE; write headers as "
                "'header1:value1,header2:value2'"
            )
        headers[name.strip()] = val.strip()
    return headers


def resolve(spec: SourceSpec) -> Source:
    """Compile a SourceSpec into a Source: the one request plan every command reads through.

    Everything a read would refuse before its first request is refused here (so `validate`,
    which calls this, refuses it too): the template and its parameters, the pagination, the
    macros' syntax, the date format and time unit, and a query key given twice.
    """
    where = f"source {spec.name!r}"
    if spec.template and spec.url:
        raise ConfigError(f"{where}: give either `template` or `url`, not both")
    if spec.template:
        source = _resolve_template(spec, _template_for(spec, where), where)
    elif spec.path:
        raise ConfigError(
            f"{where}: `path` corrects a template's route; a manual source uses `url`"
        )
    elif spec.url:
        source = _resolve_manual(spec, where)
    else:
        raise ConfigError(f"{where}: give a `template` name or a manual `url`")
    _check_compiled(source, where)
    return source


def _check_compiled(source: Source, where: str) -> None:
    """The checks a read would make before its first request, made now."""
    try:
        macros.validate_date_format(source.date_format)
        macros.normalize_time_unit(source.time_unit)
        for text in source.macro_texts():
            macros.parse_macros(text)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    owned = sorted(set(paginator_keys(source.pagination)) & set(source.query))
    if owned:
        names = ", ".join(repr(name) for name in owned)
        raise ConfigError(
            f"{where}: query parameter {names} is set by the pagination "
            f"({source.pagination.type}) on every page; remove it from `url:`/`params:` "
            "(use the pagination's start_page or page_size instead)"
        )


def _template_for(spec: SourceSpec, where: str) -> Template:
    """The source's template with the flow's correction, then its own `method`/`path`, applied."""
    assert spec.template is not None
    template = get_template(spec.template)
    override = (spec.override or TemplateOverride()).then(
        TemplateOverride(method=spec.method, path=spec.path)
    )
    return apply_override(template, override, where) if override.changes else template


def _pagination(spec: SourceSpec, default: str, where: str) -> PaginatorConfig:
    raw = spec.pagination if spec.pagination is not None else default
    pagination = parse_pagination(raw, where=where)
    overrides: dict[str, Any] = {}
    if spec.page_size is not None:
        limit = settings().max_page_size
        if not 1 <= spec.page_size <= limit:
            raise ConfigError(f"{where}: page_size must be between 1 and {limit}")
        overrides["page_size"] = spec.page_size
    if spec.max_pages is not None:
        overrides["max_pages"] = spec.max_pages
    # The source-level page_size applies to the types that page by size.
    return pagination.with_defaults(**overrides)


_PATTERNS = {
    "integer": (re.compile(r"[+-]?\d+"), "an integer", "42"),
    "number": (re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"), "a number", "4.5"),
    "boolean": (re.compile(r"(?i)true|false"), "true or false", "true"),
}


def check_param_type(param: Param, value: Any, where: str) -> None:
    """A ConfigError naming the parameter when a value given as text cannot be of its declared
    type (`-p clientId=abc`), before any request; macros (`{now}`, `{contracts.id}`) pass."""
    if not isinstance(value, str) or "{" in value or param.type not in _PATTERNS:
        return
    pattern, kind, example = _PATTERNS[param.type]
    if not pattern.fullmatch(value.strip()):
        raise ConfigError(
            f"{where}: parameter {param.name!r} must be {kind}, not {value!r}; "
            f"give e.g. -p {param.name}={example}"
        )


def _resolve_template(spec: SourceSpec, template: Template, where: str) -> Source:
    if template.kind != "read":
        raise ConfigError(
            f"{where}: template {template.name!r} writes data; use `write {template.name}` "
            "or a flow file's `writes:`"
        )
    known = {p.name for p in template.params}
    unknown = set(spec.params) - known
    if unknown:
        raise ConfigError(
            f"{where}: unknown parameter(s) {', '.join(sorted(unknown))} for template "
            f"{template.name!r}; it takes: {', '.join(sorted(known)) or 'no parameters'}"
        )
    for param in template.params:
        if param.required and spec.params.get(param.name) in (None, ""):
            raise ConfigError(
                f"{where}: template {template.name!r} needs parameter {param.name!r} "
                f"({param.description}); give it with -p {param.name}=VALUE"
            )
    for param in template.params:
        if param.name in spec.params:
            check_param_type(param, spec.params[param.name], where)
    by_location: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "body": {}}
    for param in template.params:
        if param.name in spec.params:
            by_location[param.location][param.name] = spec.params[param.name]
    route, route_query = split_query(template.path)
    by_location["query"] = merge_query(route_query, by_location["query"], where)
    default_pagination = "envelope" if template.pagination == "envelope" else "none"
    pagination = _pagination(spec, default_pagination, where)
    if isinstance(pagination, EnvelopePagination) and pagination.page_size is None:
        pagination = pagination.with_defaults(page_size=settings().default_page_size)
    data_path = spec.data_path or template.data_path
    return Source(
        name=spec.name,
        method=template.method,
        url=route,
        query=by_location["query"],
        path_values=by_location["path"],
        body=by_location["body"] or None,
        headers=parse_headers(spec.headers, where=where),
        data_path=data_path,
        metadata_path=spec.metadata_path,
        pagination=pagination,
        date_format=spec.date_format,
        time_unit=spec.time_unit,
        max_records=spec.max_records,
        primary_key=spec.primary_key or template.primary_key,
        incremental_field=spec.incremental_field or template.incremental_field,
        response_format=spec.response_format,
        extractor=Extractor.compile(spec.name, data_path, spec.metadata_path),
        template=template,
        search=template.pagination == "envelope",
        deletes=spec.deletes,
        history=spec.history,
        every=parse_duration(spec.every, f"{where}: every") if spec.every else None,
    )


def _resolve_manual(spec: SourceSpec, where: str) -> Source:
    method = (spec.method or "GET").upper()
    if method not in METHODS:
        raise ConfigError(f"{where}: method {spec.method!r} is not one of {', '.join(METHODS)}")
    assert spec.url is not None
    url, url_query = split_query(spec.url)
    return Source(
        name=spec.name,
        method=method,
        url=url,
        query=merge_query(url_query, spec.params, where),
        path_values={},
        body=spec.body,
        headers=parse_headers(spec.headers, where=where),
        data_path=spec.data_path,
        metadata_path=spec.metadata_path,
        pagination=_pagination(spec, "auto", where),
        date_format=spec.date_format,
        time_unit=spec.time_unit,
        max_records=spec.max_records,
        primary_key=spec.primary_key or (),
        incremental_field=spec.incremental_field,
        response_format=spec.response_format,
        extractor=Extractor.compile(spec.name, spec.data_path, spec.metadata_path),
        deletes=spec.deletes,
        history=spec.history,
        every=parse_duration(spec.every, f"{where}: every") if spec.every else None,
    )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []
