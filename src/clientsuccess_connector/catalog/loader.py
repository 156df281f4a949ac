"""Load and validate the endpoint catalogue (templates.yaml, shipped inside the package)."""

from __future__ import annotations

import difflib
import functools
from typing import Any, cast

from clientsuccess_connector.catalog.envelope import SearchEnvelope
from clientsuccess_connector.catalog.model import CatalogSettings, Param, Template
from clientsuccess_connector.errors import ConfigError

PARAM_TYPES = {"string", "integer", "number", "boolean", "timestamp", "date", "object", "array"}


@functools.cache
def _raw() -> dict[str, Any]:
    from importlib import resources  # noqa: PLC0415 (loaded with the catalogue, not the package)

    import yaml  # noqa: PLC0415

    text = resources.files("clientsuccess_connector.catalog").joinpath("templates.yaml").read_text()
    # libyaml's parser when PyYAML was built with it (8x faster here); the same safe loading.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # a safe loader either way
    return cast(dict[str, Any], yaml.load(text, Loader=loader))


def _param(raw: dict[str, Any], required_fields: set[str], where: str) -> Param:
    ptype = raw["type"]
    if ptype not in PARAM_TYPES:
        raise ValueError(f"{where}: parameter {raw['name']!r} has unknown type {ptype!r}")
    return Param(
        name=raw["name"],
        type=ptype,
        location=raw["in"],
        required=bool(raw.get("required", False)) or raw["name"] in required_fields,
        description=raw.get("description", ""),
        enum=tuple(raw.get("enum", ())),
        max_length=raw.get("max_length"),
        minimum=raw.get("minimum"),
        maximum=raw.get("maximum"),
    )


def _template(
    name: str,
    raw: dict[str, Any],
    groups: dict[str, list[dict[str, Any]]],
    before_acting: tuple[int, ...],
) -> Template:
    required_fields = set(raw.get("required", ()))
    params: list[Param] = []
    for entry in raw.get("params", ()):
        items = groups[entry["group"]] if "group" in entry else [entry]
        params.extend(_param(item, required_fields, name) for item in items)
    return Template(
        name=name,
        title=raw["title"],
        kind=raw["kind"],
        method=raw["method"],
        path=raw["path"],
        evidence=raw["evidence"],
        description=raw["description"],
        params=tuple(params),
        pagination=raw.get("pagination", "none"),
        data_path=raw.get("data_path", "$"),
        primary_key=tuple(raw.get("primary_key", ())),
        incremental_field=raw.get("incremental_field"),
        batch=raw.get("batch"),
        results_path=raw.get("results_path"),
        upsert_keys=tuple(raw.get("upsert_keys", ())),
        required_fields=tuple(sorted(required_fields)),
        merges=bool(raw.get("merges", False)),
        keyed_body=_keyed_body(raw.get("keyed_body"), name),
        declared_idempotent=raw.get("idempotent"),
        rejected_before_acting=frozenset(raw.get("rejected_before_acting", before_acting)),
        natural_key=tuple(raw.get("natural_key", ())),
        generated_key=raw.get("generated_key"),
        lookup=raw.get("lookup"),
        results_index_base=int(raw.get("results_index_base", 0)),
        update_template=raw.get("update_template"),
        update_id=raw.get("update_id"),
    )


def _keyed_body(raw: dict[str, str] | None, where: str) -> tuple[str, str] | None:
    if raw is None:
        return None
    if set(raw) != {"key", "value"}:
        raise ValueError(f"{where}: keyed_body needs exactly `key` and `value`")
    return raw["key"], raw["value"]


@functools.cache
def catalog() -> dict[str, Template]:
    """Every template by name, in catalogue order."""
    raw = _raw()
    groups = raw["groups"]
    before = settings().rejected_before_acting
    return {name: _template(name, body, groups, before) for name, body in raw["templates"].items()}


@functools.cache
def settings() -> CatalogSettings:
    """Paging and batching limits shared by every template."""
    raw = dict(_raw()["settings"])
    raw["rejected_before_acting"] = tuple(raw.get("rejected_before_acting", ()))
    return CatalogSettings(**raw)


@functools.cache
def envelope() -> SearchEnvelope:
    """The ClientSuccess search envelope every `pagination: envelope` template uses."""
    return SearchEnvelope(**_raw()["envelope"])


def get_template(name: str) -> Template:
    """The template called `name`, or a ConfigError listing the known ones."""
    templates = catalog()
    if name not in templates:
        close = difflib.get_close_matches(name, templates, n=3, cutoff=0.8)
        if close:
            raise ConfigError(
                f"unknown template {name!r}; did you mean {' or '.join(map(repr, close))}? "
                "(`templates` lists them all)"
            )
        known = ", ".join(sorted(templates))
        raise ConfigError(f"unknown template {name!r}; known templates: {known}")
    return templates[name]
