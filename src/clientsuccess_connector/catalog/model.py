"""The shape of an endpoint template: plain frozen dataclasses, built from the catalogue file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ParamType = Literal[
    "string", "integer", "number", "boolean", "timestamp", "date", "object", "array"
]
ParamLocation = Literal["path", "query", "body"]
Evidence = Literal["documented", "community", "inferred"]
IDEMPOTENT_BY_METHOD = frozenset({"GET", "PUT", "DELETE"})  # PATCH only when the catalogue says


@dataclass(frozen=True, slots=True)
class Param:
    """One field of a template: where it goes, its type and whether it must be given."""

    name: str
    type: ParamType
    location: ParamLocation
    required: bool = False
    description: str = ""
    enum: tuple[str, ...] = ()
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True, slots=True)
class Template:
    """One ClientSuccess endpoint, read or write, as the catalogue describes it."""

    name: str
    title: str
    kind: Literal["read", "write"]
    method: str
    path: str
    evidence: Evidence
    description: str
    params: tuple[Param, ...]
    pagination: Literal["envelope", "none"] = "none"
    data_path: str = "$"
    primary_key: tuple[str, ...] = ()
    incremental_field: str | None = None
    batch: str | None = None
    results_path: str | None = None
    upsert_keys: tuple[str, ...] = ()
    required_fields: tuple[str, ...] = field(default=())
    merges: bool = False
    keyed_body: tuple[str, str] | None = None
    declared_idempotent: bool | None = None  # the catalogue's `idempotent:`; None: by method
    rejected_before_acting: frozenset[int] = frozenset()
    natural_key: tuple[str, ...] = ()
    generated_key: str | None = None
    lookup: str | None = None
    results_index_base: int = 0
    update_template: str | None = None
    update_id: str | None = None

    def param(self, name: str) -> Param | None:
        """The parameter called `name`, or None."""
        for p in self.params:
            if p.name == name:
                return p
        return None

    @property
    def path_params(self) -> tuple[Param, ...]:
        """Parameters that are substituted into the URL path."""
        return tuple(p for p in self.params if p.location == "path")

    @property
    def is_bulk(self) -> bool:
        """True when the body carries a batch of records."""
        return self.batch is not None

    @property
    def replaces_whole(self) -> bool:
        """True for a PUT that replaces the record: fields left out are emptied."""
        return self.method == "PUT" and not self.merges

    @property
    def idempotent(self) -> bool:
        """True when sending this write twice leaves what sending it once does.

        As the catalogue states it; otherwise GET, PUT and DELETE are, POST and PATCH are not.
        """
        if self.declared_idempotent is not None:
            return self.declared_idempotent
        return self.method in IDEMPOTENT_BY_METHOD

    @property
    def resend_is_safe(self) -> bool:
        """True when a write sent twice cannot make a second record (idempotent, or an upsert)."""
        return self.idempotent or bool(self.upsert_keys)

    def api_body(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body as the API expects it: `{<name field>: <value field>}` for a keyed body."""
        if self.keyed_body is None:
            return body
        key, value = self.keyed_body
        return {str(body.get(key)): body.get(value)}


@dataclass(frozen=True, slots=True)
class CatalogSettings:
    """Paging and batching limits that apply to every template."""

    default_page_size: int
    max_page_size: int
    default_batch_size: int
    max_batch_size: int
    rejected_before_acting: tuple[int, ...] = ()
