"""Route corrections from a flow file, applied when a template is looked up.

Nineteen routes of the catalogue are inferred, so an instance may answer 404 where we guessed.
A flow file corrects a template without a release: its `templates:` block (for every source and
write using the template) or `method:`/`path:` beside `template:` in one entry. Readers and
writers never see an override: they receive the effective Template that `effective_template`
returns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

from clientsuccess_connector.catalog.loader import PARAM_TYPES, get_template
from clientsuccess_connector.catalog.model import Param, ParamLocation, ParamType, Template
from clientsuccess_connector.errors import ConfigError

OVERRIDE_KEYS = (
    "method",
    "path",
    "rename",
    "fields",
    "batch_field",
    "results_path",
    "results_index_base",
    "rejected_before_acting",
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_PLACEHOLDER = re.compile(r"{([^{}]*)}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class TemplateOverride:
    """What a flow file changes in one template; None or empty means "as in the catalogue"."""

    method: str | None = None
    path: str | None = None
    rename: Mapping[str, str] = field(default_factory=dict)  # template field -> name the API uses
    fields: tuple[Param, ...] = ()  # fields the catalogue does not know
    batch_field: str | None = None  # "$" (the body is an array) or the field holding the batch
    results_path: str | None = None  # JSONPath of the per-item results of a bulk answer
    results_index_base: int | None = None  # the number of a batch's first item in its results
    rejected_before_acting: tuple[int, ...] | None = None  # statuses proving a write not acted

    def then(self, other: TemplateOverride | None) -> TemplateOverride:
        """This override with `other`'s settings on top (an entry's over the `templates:` block)."""
        if other is None:
            return self
        return TemplateOverride(
            method=other.method or self.method,
            path=other.path or self.path,
            rename={**self.rename, **other.rename},
            fields=(*self.fields, *other.fields),
            batch_field=other.batch_field or self.batch_field,
            results_path=other.results_path or self.results_path,
            results_index_base=_first(other.results_index_base, self.results_index_base),
            rejected_before_acting=_first(
                other.rejected_before_acting, self.rejected_before_acting
            ),
        )

    @property
    def changes(self) -> list[str]:
        """Names of the settings this override changes, for display."""
        return [key for key in OVERRIDE_KEYS if getattr(self, key) not in (None, "", (), {})]


def parse_override(raw: Any, where: str) -> TemplateOverride:
    """One override as written in a flow file; a ConfigError naming the key otherwise."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a mapping such as {{path: /contact, method: POST}}")
    unknown = sorted(set(map(str, raw)) - set(OVERRIDE_KEYS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(OVERRIDE_KEYS)}"
        )
    rename = raw.get("rename") or {}
    if not isinstance(rename, Mapping) or not all(
        isinstance(v, str) and _NAME.match(v) for v in rename.values()
    ):
        raise ConfigError(f"{where}.rename must map template fields to new names, e.g. {{a: b}}")
    extra = raw.get("fields") or {}
    if not isinstance(extra, Mapping):
        raise ConfigError(f"{where}.fields must map field names to a type, e.g. {{tier: string}}")
    return TemplateOverride(
        method=_text(raw, "method", where),
        path=_text(raw, "path", where),
        rename={str(k): str(v) for k, v in rename.items()},
        fields=tuple(_extra_field(str(k), v, f"{where}.fields.{k}") for k, v in extra.items()),
        batch_field=_text(raw, "batch_field", where),
        results_path=_text(raw, "results_path", where),
        results_index_base=_index_base(raw.get("results_index_base"), where),
        rejected_before_acting=_statuses(raw.get("rejected_before_acting"), where),
    )


def _first(mine: Any, theirs: Any) -> Any:
    return theirs if mine is None else mine


def _index_base(raw: Any, where: str) -> int | None:
    if raw is None:
        return None
    if raw not in (0, 1) or isinstance(raw, bool):
        raise ConfigError(f"{where}.results_index_base must be 0 or 1 (the first item's index)")
    return int(raw)


def _statuses(raw: Any, where: str) -> tuple[int, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) and 400 <= s <= 599 for s in raw
    ):
        raise ConfigError(
            f"{where}.rejected_before_acting must be a list of HTTP error statuses, "
            "e.g. [400, 422, 429]"
        )
    return tuple(raw)


def parse_overrides(raw: Any, where: str) -> dict[str, TemplateOverride]:
    """A flow file's `templates:` block, each override checked against its template."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected template names mapped to their corrections")
    overrides: dict[str, TemplateOverride] = {}
    for name, body in raw.items():
        override = parse_override(body, f"{where}.{name}")
        apply_override(_template(str(name), where), override, f"{where}.{name}")
        overrides[str(name)] = override
    return overrides


def effective_template(
    name: str,
    overrides: Mapping[str, TemplateOverride] | None = None,
    *,
    method: str | None = None,
    path: str | None = None,
    where: str = "",
) -> Template:
    """The template `name` as this flow sees it: catalogue, `templates:` block, then the entry."""
    template = get_template(name)
    override = (overrides or {}).get(name, TemplateOverride())
    override = override.then(TemplateOverride(method=method, path=path))
    label = where or f"templates.{name}"
    return apply_override(template, override, label) if override.changes else template


def apply_override(template: Template, override: TemplateOverride, where: str) -> Template:
    """`template` with the override applied and checked (placeholders, names, bulk settings)."""
    params = _renamed(template, override.rename, where)
    names = {p.name for p in params}
    for extra in override.fields:
        if extra.name in names:
            raise ConfigError(f"{where}.fields: {extra.name!r} is already a field of the template")
        location = (
            extra.location if extra.location != "body" or template.kind == "write" else "query"
        )
        params.append(replace(extra, location=location))
        names.add(extra.name)
    path = _PLACEHOLDER.sub(lambda m: "{" + override.rename.get(m[1], m[1]) + "}", template.path)
    if override.path is not None:
        path = override.path
        params = _placed(template, params, path, where)
    method = template.method
    if override.method is not None:
        method = override.method.upper()
        allowed = METHODS if template.kind == "write" else ("GET", "POST")
        if method not in allowed:
            raise ConfigError(
                f"{where}.method: {override.method!r} is not one of {', '.join(allowed)}"
            )
    batch, results_path = _bulk(template, override, where)
    rename = dict(override.rename)
    keyed = template.keyed_body
    before = override.rejected_before_acting
    return replace(
        template,
        results_index_base=_first(override.results_index_base, template.results_index_base),
        rejected_before_acting=(
            template.rejected_before_acting if before is None else frozenset(before)
        ),
        natural_key=tuple(rename.get(k, k) for k in template.natural_key),
        generated_key=rename.get(template.generated_key or "", template.generated_key),
        method=method,
        # what the catalogue says of the method it knows; another method goes by its kind
        declared_idempotent=template.declared_idempotent if method == template.method else None,
        path=path,
        params=tuple(params),
        batch=batch,
        results_path=results_path,
        upsert_keys=tuple(rename.get(k, k) for k in template.upsert_keys),
        required_fields=tuple(rename.get(k, k) for k in template.required_fields),
        keyed_body=(rename.get(keyed[0], keyed[0]), rename.get(keyed[1], keyed[1]))
        if keyed
        else None,
    )


def route_hint(template: Template) -> str:
    """What to say after a 404: the route may be wrong for this instance, and how to fix it."""
    return (
        f"; if {template.method} {template.path} is not this instance's route for "
        f"{template.name}, correct it in a flow file's `templates:` block "
        '(`clientsuccess-connector docs templates`, "When a route is wrong")'
    )


# --- helpers --------------------------------------------------------------------------------
def _template(name: str, where: str) -> Template:
    try:
        return get_template(name)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _text(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key} must be a non-empty string")
    return value.strip()


def _extra_field(name: str, raw: Any, where: str) -> Param:
    spec: Mapping[str, Any] = {"type": raw} if isinstance(raw, str) else raw
    if not isinstance(spec, Mapping) or not _NAME.match(name):
        raise ConfigError(f"{where}: write `NAME: TYPE` or `NAME: {{type: T, in: body|query}}`")
    ptype, location = spec.get("type", "string"), spec.get("in", "body")
    if ptype not in PARAM_TYPES:
        raise ConfigError(f"{where}: type {ptype!r} is not one of {', '.join(sorted(PARAM_TYPES))}")
    if location not in ("body", "query", "path"):
        raise ConfigError(f"{where}: `in` must be body, query or path, not {location!r}")
    return Param(
        name=name,
        type=cast(ParamType, ptype),
        location=cast(ParamLocation, location),
        required=bool(spec.get("required", False)),
        description=str(spec.get("description", "Added by the flow file.")),
    )


def _renamed(template: Template, rename: Mapping[str, str], where: str) -> list[Param]:
    names = {p.name for p in template.params}
    for old, new in rename.items():
        if old not in names:
            raise ConfigError(
                f"{where}.rename: {old!r} is not a field of {template.name}; "
                f"its fields are: {', '.join(p.name for p in template.params)}"
            )
        if new in names and new not in rename:
            raise ConfigError(f"{where}.rename: {new!r} is already a field of {template.name}")
    return [replace(p, name=rename.get(p.name, p.name)) for p in template.params]


def _placed(template: Template, params: list[Param], path: str, where: str) -> list[Param]:
    """Fields named by the new path's placeholders go into the path; other path fields move out."""
    if not path.startswith("/"):
        raise ConfigError(f"{where}.path: {path!r} must begin with / (relative to the base URL)")
    wanted = _PLACEHOLDER.findall(path)
    by_name = {p.name: p for p in params}
    for name in wanted:
        if name not in by_name:
            raise ConfigError(
                f"{where}.path: placeholder {{{name}}} is not a field of {template.name}; "
                f"use one of: {', '.join(by_name)}"
            )
    leftover: ParamLocation = "body" if template.kind == "write" else "query"
    placed: list[Param] = []
    for p in params:
        if p.name in wanted:
            placed.append(replace(p, location="path", required=True))
        elif p.location == "path":
            placed.append(replace(p, location=leftover))
        else:
            placed.append(p)
    return placed


def _bulk(
    template: Template, override: TemplateOverride, where: str
) -> tuple[str | None, str | None]:
    batch, results_path = template.batch, template.results_path
    if override.batch_field is None and override.results_path is None:
        return batch, results_path
    if template.kind != "write":
        raise ConfigError(f"{where}: batch_field and results_path are for write templates only")
    if override.batch_field is not None:
        if override.batch_field != "$" and not _NAME.match(override.batch_field):
            raise ConfigError(f"{where}.batch_field: give $ (a JSON array body) or a field name")
        batch = override.batch_field
    if override.results_path is not None:
        import jsonpath  # noqa: PLC0415 (loaded only to check a flow's results_path)

        try:
            jsonpath.compile(override.results_path)
        except jsonpath.JSONPathError as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(f"{where}.results_path is not a JSONPath: {first}") from None
        results_path = override.results_path
    if batch is None:
        raise ConfigError(f"{where}: results_path needs batch_field (it is for bulk answers)")
    if results_path is None:
        raise ConfigError(
            f"{where}: {template.name} becomes a bulk write; give results_path too, the JSONPath "
            "of the per-item results in the answer (e.g. $.results[*])"
        )
    return batch, results_path
