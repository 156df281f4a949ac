"""The flow file: connection, destination, sources, lookups, writes and template corrections.

Every mistake is a ConfigError naming the file, the key path and the fix, before any request.
The YAML is read with limits (config/yaml_file.py), `${VAR}` is expanded in values from the
variables the flow may read (config/env_vars.py), the document is validated by its schema
(config/flow_model.py), and the library's types are built from the result here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from clientsuccess_connector.catalog import Template
from clientsuccess_connector.catalog.overrides import (
    TemplateOverride,
    effective_template,
    parse_overrides,
)
from clientsuccess_connector.config.base import shown_key
from clientsuccess_connector.config.env_vars import declared_names, expand
from clientsuccess_connector.config.flow_model import FlowModel
from clientsuccess_connector.config.plain_secrets import warn_plain_secrets
from clientsuccess_connector.config.validation import validate
from clientsuccess_connector.config.yaml_file import load_yaml, read_flow_text
from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.connection.locations import parse_destination
from clientsuccess_connector.credentials import resolve_settings
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.default_streams import DEFAULT_STREAMS
from clientsuccess_connector.read.endpoint import SourceSpec
from clientsuccess_connector.read.incremental.server_facts import ServerStatement
from clientsuccess_connector.write.job import WriteJob

_ROUTE_KEYS = ("method", "path")  # beside `template:`, for one source or write entry alone


@dataclass(frozen=True, slots=True)
class LookupSpec:
    """Where a lookup's values come from: another source of the flow, or a file."""

    name: str
    stream: str | None = None
    file: Path | None = None


@dataclass(frozen=True, slots=True)
class Flow:
    """A parsed flow file."""

    path: Path | None
    connection: Mapping[str, Any] = field(default_factory=dict)
    destination: str | None = None
    sources: Mapping[str, SourceSpec] = field(default_factory=dict)
    lookups: Mapping[str, LookupSpec] = field(default_factory=dict)
    writes: Mapping[str, WriteJob] = field(default_factory=dict)
    templates: Mapping[str, TemplateOverride] = field(default_factory=dict)
    naming: str | None = None
    """How sync names new tables and columns (`api` or `snake_case`); None: the default."""
    health: Mapping[str, Any] = field(default_factory=dict)
    """The flow's `health:` block (`report health` rules), as written."""
    server: ServerStatement = field(default_factory=ServerStatement)
    """What the flow's `server:` block states about the server (read/incremental/)."""

    def connection_settings(self, env: Mapping[str, str] | None = None) -> ConnectionSettings:
        """This flow's `connection:` block over its named credential (or the environment)."""
        label = str(self.path) if self.path else None
        return resolve_settings(self.connection, None, env, flow_label=label)

    def source(self, name: str) -> SourceSpec:
        """The source called `name`, or a ConfigError listing the sources."""
        if name not in self.sources:
            known = ", ".join(sorted(self.sources)) or "none"
            raise ConfigError(f"{self.path}: no source named {name!r}; sources: {known}")
        return self.sources[name]

    def template(
        self, name: str, *, method: str | None = None, path: str | None = None
    ) -> Template:
        """The template `name` as this flow corrects it (`templates:`, then `method`/`path`)."""
        return effective_template(name, self.templates, method=method, path=path)

    def with_templates(self, spec: SourceSpec) -> SourceSpec:
        """`spec` carrying this flow's correction of its template, if any (e.g. default streams)."""
        if spec.template is None or spec.override is not None:
            return spec
        override = self.templates.get(spec.template)
        return replace(spec, override=override) if override is not None else spec

    def write_template(self, job: WriteJob) -> Template:
        """The template a write job uses, as this flow and the job's `method`/`path` correct it."""
        return self.template(job.template, method=job.method, path=job.path)


def load_flow(path: str | Path, env: Mapping[str, str] | None = None) -> Flow:
    """Read and validate a flow file."""
    path = Path(path)
    raw = load_yaml(read_flow_text(path), f"flow file {path}")
    return parse_flow(raw, path=path, env=os.environ if env is None else env)


def parse_flow(raw: Any, *, path: Path | None, env: Mapping[str, str]) -> Flow:
    """Validate an already-parsed flow document."""
    label = str(path) if path else "flow"
    if raw is None:
        raw = {}
    doc = _mapping(raw, label)
    declared = declared_names(doc.get("env"), label)
    try:
        expanded = expand(doc, env, declared)
    except ConfigError as exc:
        raise ConfigError(f"{label}: {exc}") from None
    model = validate(FlowModel, expanded, label)
    warn_plain_secrets(doc, path)  # as written, before `${VAR}` expansion
    doc = model.model_dump(exclude_unset=True, by_alias=True)

    connection = _mapping(doc.get("connection") or {}, f"{label}: connection")
    templates = parse_overrides(doc.get("templates") or {}, f"{label}: templates")

    sources: dict[str, SourceSpec] = {}
    for name, body in _mapping(doc.get("sources") or {}, f"{label}: sources").items():
        where = f"{label}: sources.{shown_key(name)}"
        sources[name] = _source(name, body, where, templates)

    lookups: dict[str, LookupSpec] = {}
    for name, body in _mapping(doc.get("lookups") or {}, f"{label}: lookups").items():
        lookups[name] = _lookup(name, body, f"{label}: lookups.{shown_key(name)}", path, sources)

    writes: dict[str, WriteJob] = {}
    base_dir = path.parent if path is not None else None
    for name, body in _mapping(doc.get("writes") or {}, f"{label}: writes").items():
        where = f"{label}: writes.{shown_key(name)}"
        entry = _mapping(body, where)
        writes[name] = WriteJob.from_entry(entry, where=where, base_dir=base_dir)
        if writes[name].template:
            _check_route(writes[name].template, entry, templates, where)

    destination = doc.get("destination")
    if destination is not None:
        try:
            parse_destination(destination)
        except ConfigError as exc:
            raise ConfigError(f"{label}: destination: {exc}") from None
    naming = doc.get("naming")
    health = dict(doc.get("health") or {})
    server = ServerStatement.parse(doc.get("server"), where=label)
    return Flow(
        path, connection, destination, sources, lookups, writes, templates, naming, health, server
    )


def _check_route(
    template: str, entry: Mapping[str, Any], templates: Mapping[str, TemplateOverride], where: str
) -> None:
    """An entry's own `method:`/`path:` must make a valid template, before any request."""
    route = {key: entry.get(key) for key in _ROUTE_KEYS}
    for key, value in route.items():
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{where}.{key} must be a string")
    effective_template(template, templates, method=route["method"], path=route["path"], where=where)


def _source(
    name: str, body: Any, where: str, templates: Mapping[str, TemplateOverride]
) -> SourceSpec:
    entry = dict(_mapping(body, where))
    entry = {key: value for key, value in entry.items() if value is not None}
    if "template" in entry and "url" in entry:
        raise ConfigError(f"{where}: give either `template` or `url`, not both")
    if "template" not in entry and "url" not in entry:
        raise ConfigError(f"{where}: give a `template` name (see `templates`) or a manual `url`")
    if "params" in entry:
        entry["params"] = dict(entry["params"])
    if "primary_key" in entry:
        pk = entry["primary_key"]
        entry["primary_key"] = (pk,) if isinstance(pk, str) else tuple(pk)
    spec = SourceSpec(name=name, **entry)
    if spec.template is not None:
        _check_route(spec.template, entry, templates, where)
        if spec.template in templates:
            spec = replace(spec, override=templates[spec.template])
    elif spec.path is not None:
        raise ConfigError(
            f"{where}: `path` corrects a template's route; a manual source uses `url`"
        )
    return spec


def _lookup(
    name: str, body: Any, where: str, path: Path | None, sources: Mapping[str, SourceSpec]
) -> LookupSpec:
    entry = _mapping(body, where)
    if ("stream" in entry) == ("file" in entry):
        raise ConfigError(f"{where}: give exactly one of `stream: SOURCE` or `file: PATH`")
    if "stream" in entry:
        stream = str(entry["stream"])
        if stream not in sources and stream not in DEFAULT_STREAMS:
            known = ", ".join(sorted({*sources, *DEFAULT_STREAMS}))
            raise ConfigError(f"{where}: stream {stream!r} is not a source; known: {known}")
        return LookupSpec(name, stream=stream)
    file = Path(str(entry["file"]))
    if not file.is_absolute() and path is not None:
        file = path.parent / file
    return LookupSpec(name, file=file)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping of keys to values")
    return value
