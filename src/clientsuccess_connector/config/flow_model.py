"""The typed shape of a flow file: what each key takes, checked before anything runs.

These models validate and convert a flow document; `flow.py` then builds the library's own
types (SourceSpec, WriteJob, TemplateOverride...) from the result and checks what needs the
catalogue (template names, parameters, routes). `flow_json_schema()` is the JSON Schema
published as `docs/flow.schema.json` for editor completion.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, create_model
from pydantic.json_schema import GenerateJsonSchema

from clientsuccess_connector.catalog.loader import PARAM_TYPES
from clientsuccess_connector.config.base import Strict
from clientsuccess_connector.config.connection_model import AtLeastOne, ConnectionModel, Whole
from clientsuccess_connector.read.endpoint import METHODS
from clientsuccess_connector.read.macros import TIME_UNITS
from clientsuccess_connector.read.pagination_config import CONFIGS, TYPES

Text = Annotated[str, Field(min_length=1)]
Count = AtLeastOne


def _scalar_text(value: Any) -> Any:
    """A header value written as a number or true/false is sent as its text."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, int | float) else value


HeaderValue = Annotated[str, BeforeValidator(_scalar_text)]
Method = Annotated[
    Literal[METHODS],  # type: ignore[valid-type]
    BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v),
]


# --- pagination: one model per type, from the configs of read/pagination_config.py ----------
class PaginationOptions(Strict):
    """Options of one pagination type; others are refused naming the type's options."""


def _pagination_model(kind: str) -> type[Strict]:
    config = CONFIGS[kind]
    hints = typing.get_type_hints(config)
    fields: dict[str, Any] = {
        "type": (Literal[kind], Field(kind if kind == "auto" else ..., description=config.__doc__))
    }
    for name in config.options():
        wanted = hints[name]
        if name in ("max_pages", "page_size"):
            fields[name] = (Count | None, None)
        elif name == "start_page":
            fields[name] = (Annotated[Whole, Field(ge=0)] | None, None)
        elif wanted in (str, str | None):
            fields[name] = (Text | None, None)
        else:  # pragma: no cover - a new option type needs a line above
            raise TypeError(f"pagination option {name}: no schema for {wanted}")
    model = create_model(
        f"{kind.title().replace('_', '')}Pagination", __base__=PaginationOptions, **fields
    )
    model.unknown_message = f"pagination type {kind!r} does not take {{keys}}"
    return typing.cast(type[Strict], model)


PAGINATION_MODELS = tuple(_pagination_model(kind) for kind in TYPES)


def _typed_pagination(value: Any) -> Any:
    """`{page_size: 50}` is auto pagination; a bare type name is checked against the types."""
    if isinstance(value, Mapping) and "type" not in value:
        return {"type": "auto", **value}
    return value


Pagination = Annotated[
    Literal[TYPES]  # type: ignore[valid-type]
    | Annotated[typing.Union[PAGINATION_MODELS], Field(discriminator="type")],  # type: ignore[valid-type]  # noqa: UP007
    BeforeValidator(_typed_pagination),
]


# --- sources, lookups, writes, template corrections ------------------------------------------
class SourceModel(Strict):
    """One source: `template` + `params`, or a manual endpoint (`url`, `method`, ...)."""

    template: Text | None = Field(None, description="An endpoint template name (`templates`).")
    params: dict[str, Any] | None = Field(None, description="Template parameters or query values.")
    method: Method | None = Field(None, description="HTTP method of a manual endpoint (GET).")
    url: Text | None = Field(
        None, description="A manual endpoint, absolute or relative to the base URL."
    )
    body: Any = Field(None, description="The request body of a manual endpoint.")
    headers: dict[str, HeaderValue] | str | None = Field(
        None, description="Extra headers, as a mapping or 'h1:v1,h2:v2'."
    )
    data_path: Text | None = Field(None, description="Path to Data (JSONPath or XPath).")
    metadata_path: Text | None = Field(None, description="Path to Metadata (JSONPath or XPath).")
    pagination: Pagination | None = Field(
        None, description="A pagination type, or {type: ..., options}."
    )
    page_size: Count | None = Field(None, description="Records per page.", examples=[100])
    date_format: Text | None = Field(None, description="strftime format of date macros.")
    time_unit: Literal[TIME_UNITS] | None = Field(  # type: ignore[valid-type]
        None, description="Unit of {now-N} macros."
    )
    max_pages: Count | None = Field(
        None, description="Read at most this many pages.", examples=[10]
    )
    max_records: Count | None = Field(
        None, description="Read at most this many records.", examples=[1000]
    )
    primary_key: Text | list[Text] | None = Field(None, description="The key field(s) of a record.")
    incremental_field: Text | None = Field(
        None, description="Timestamp field for incremental syncs."
    )
    response_format: Literal["auto", "json", "xml"] | None = Field(
        None, description="Response format."
    )
    path: Text | None = Field(None, description="The template's route, corrected for this source.")
    deletes: Literal["soft", "hard", "off"] | None = Field(
        None,
        description="How a full refresh records records deleted in ClientSuccess: soft "
        "(_cs_deleted_at, the default where the read covers the whole collection), hard "
        "(remove the row) or off.",
    )
    history: Literal["scd2", "off"] | None = Field(
        None,
        description="scd2 keeps every version of each record in <table>__history, with "
        "_cs_valid_from, _cs_valid_to and _cs_row_hash; off (the default) keeps the newest.",
    )

    every: Text | None = Field(
        None,
        description="Cadence: a run skips this stream (and says so) while its data is newer "
        "than this: 30m, 6h, 1d. `sync --full-refresh` reads it anyway.",
        examples=["1d"],
    )


class AtRiskModel(Strict):
    """When `report health` flags a client at risk (docs/health.md); null turns a rule off."""

    dispositions: list[Text] | None = Field(
        None, description="Latest Pulse dispositions that flag a client.",
        examples=[["HIGH_RISK", "SEVERE_RISK"]],
    )  # fmt: skip
    score_below: float | None = Field(None, description="Latest Pulse score under this.")
    score_drop_30d: float | None = Field(None, description="Score fell this much in 30 days.")
    score_drop_90d: float | None = Field(None, description="Score fell this much in 90 days.")
    days_without_pulse: Count | None = Field(None, description="No Pulse for over N days.")
    days_without_note: Count | None = Field(None, description="No client note for over N days.")
    ignore_statuses: list[Text] | None = Field(
        None, description="Client statuses never flagged.", examples=[["TERMINATED"]]
    )


class HealthModel(Strict):
    """Settings of `report health` and the studio's Health screen."""

    at_risk: AtRiskModel | None = None


class LookupModel(Strict):
    """Where a lookup's values come from: `stream: SOURCE` or `file: PATH`."""

    stream: Text | None = Field(None, description="A source of this flow or a default stream.")
    file: Text | None = Field(None, description="A CSV, JSON lines or JSON array file.")


class WriteModel(Strict):
    """One write job (docs/writing.md)."""

    template: Text | None = Field(None, description="A write template name.")
    input: Text | None = Field(None, description="The records to write: a file or database URL.")
    map: dict[str, str | int] | None = Field(None, description="Field -> input column.")
    set: dict[str, Any] | None = Field(None, description="Fixed body values.")
    params: dict[str, Any] | None = Field(None, description="Fixed template parameters.")
    batch_size: Count | None = Field(None, description="Records per bulk request.", examples=[100])
    results: Text | None = Field(None, description="The results ledger file.")
    dry_run: bool | None = Field(None, description="Show the requests, send nothing.")
    retry_unknown: bool | None = Field(None, description="Re-send rows whose outcome is unknown.")
    method: Method | None = Field(
        None, description="Corrects the template's method, or a manual one."
    )
    path: Text | None = Field(None, description="Corrects the template's route for this job.")
    url: Text | None = Field(None, description="A manual endpoint instead of a template.")
    key: Text | list[Text] | None = Field(
        None, description="Fields that identify a row in the ledger (default: its whole request)."
    )
    mode: Literal["insert", "update", "upsert"] | None = Field(
        None,
        description="With a ledger, send only new rows (insert), changed ones (update), "
        "or both (upsert).",
    )


class FieldModel(Strict):
    """A field a template correction adds."""

    type: Literal[tuple(sorted(PARAM_TYPES))] = "string"  # type: ignore[valid-type]
    in_: Literal["body", "query", "path"] = Field("body", alias="in")
    required: bool = False
    description: str | None = None


class TemplateModel(Strict):
    """Corrections of one template's route (docs/templates.md)."""

    method: Method | None = None
    path: Text | None = None
    rename: dict[str, Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]] | None = None
    fields: (
        dict[str, Literal[tuple(sorted(PARAM_TYPES))] | FieldModel] | None  # type: ignore[valid-type]
    ) = None
    batch_field: Text | None = None
    results_path: Text | None = None
    results_index_base: Literal[0, 1] | None = None
    rejected_before_acting: list[Annotated[int, Field(ge=400, le=599)]] | None = None


class ServerModel(Strict):
    """What the flow states about the server's search (docs/flows.md); unstated facts are
    learnt while reading. Every key is optional."""

    modified_after_unit: Literal["ms", "second", "day"] | None = Field(
        None, description="The unit modifiedAfter compares in.", examples=["ms"]
    )
    modified_after_inclusive: bool | None = Field(
        None, description="Whether modifiedAfter keeps records at the instant given."
    )
    sort_honoured: bool | None = Field(
        None, description="Whether a search answers in the order sortBy asks (false: no keyset "
        "reads are tried).",
    )  # fmt: skip
    counts: Literal["exact", "none"] | None = Field(
        None, description="Whether answers carry totalElements (none: no read by page number "
        "is tried).",
    )  # fmt: skip
    max_page_size: Count | None = Field(
        None, description="The most records the server serves a page.", examples=[100]
    )


class FlowModel(Strict):
    """A clientsuccess-connector flow file."""

    env: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]] | None = Field(
        None,
        description="Variables this flow may read as ${NAME}, besides CLIENTSUCCESS_* ones.",
    )
    connection: ConnectionModel | None = None
    destination: Text | None = Field(
        None, description="Where sync writes, e.g. duckdb:///data.duckdb."
    )
    server: ServerModel | None = Field(
        None, description="Facts about the server's search; unstated ones are learnt."
    )
    naming: Literal["api", "snake_case"] | None = Field(
        None,
        description="How sync names new tables and columns: as the API does (api, the "
        "default) or client_id rather than clientId (snake_case); ?naming= on the URL wins.",
    )
    sources: dict[str, SourceModel] | None = None
    health: HealthModel | None = None
    lookups: dict[str, LookupModel] | None = None
    writes: dict[str, WriteModel] | None = None
    templates: dict[str, TemplateModel] | None = None


class _Generator(GenerateJsonSchema):
    def generate(self, schema: Any, mode: Any = "validation") -> Any:
        document = super().generate(schema, mode=mode)
        document["title"] = "clientsuccess-connector flow file"
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}


def flow_json_schema() -> dict[str, Any]:
    """The JSON Schema of a flow file, for editors (yaml-language-server) and checks."""
    return FlowModel.model_json_schema(schema_generator=_Generator)
