"""Turn an input record into a template call: path values, query parameters and a JSON body.

Where a field's value comes from, in order of precedence:
1. a constant: the job's `set` (body values) or `params` (template parameters);
2. an explicit column: the job's `map` (FIELD: COLUMN);
3. a column with the field's own name (automatic mapping); other columns are ignored.

Contract-item templates (`add_contract_items`, `update_contract_items`) work per item: each input
row is one line item (productCode, quantity, ...) plus the `contractId` it belongs to, unless the
`items` field itself is mapped to a column holding a JSON array.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clientsuccess_connector.catalog import Param, Template
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.write.convert import ConversionError, convert

ITEM_TEMPLATES = frozenset({"add_contract_items", "update_contract_items"})

# The ContractItem fields a row may carry in per-item mode (reference §6, ContractItem).
ITEM_FIELDS: tuple[Param, ...] = (
    Param("id", "integer", "body", description="Id of the item (required to update one)."),
    Param("productCode", "string", "body", description="Product code."),
    Param("description", "string", "body", description="Line description."),
    Param("quantity", "number", "body", description="Quantity."),
    Param("pricePer", "number", "body", description="Unit price."),
    Param("recurring", "boolean", "body", description="Recurring revenue."),
    Param("termStartDate", "date", "body", description="Term start, YYYY-MM-DD."),
    Param("termEndDate", "date", "body", description="Term end, YYYY-MM-DD."),
    Param("externalId", "string", "body", description="Your own id for the item."),
)


class RowError(Exception):
    """A row that cannot become a request (missing field, bad value); the run goes on."""


@dataclass(slots=True)
class Prepared:
    """One row, ready to send: converted values split by where they go."""

    path_values: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)


class RowMapper:
    """Maps records to `Prepared` calls for one template; built once per run."""

    def __init__(
        self,
        template: Template,
        *,
        mapping: Mapping[str, str] | None = None,
        constants: Mapping[str, Any] | None = None,
    ) -> None:
        self.template = template
        self.mapping = dict(mapping or {})
        self.item_mode = (
            template.name in ITEM_TEMPLATES
            and "items" not in self.mapping
            and ("items" not in (constants or {}))
        )
        self.fields: dict[str, Param] = {p.name: p for p in template.params}
        if self.item_mode:
            self.fields.pop("items", None)
            self.fields.update({p.name: p for p in ITEM_FIELDS})
        self._check_names(self.mapping, "`map`")
        self._check_names(constants or {}, "`set`/`params`")
        clash = sorted(set(self.mapping) & set(constants or {}))
        if clash:
            raise ConfigError(
                f"field {clash[0]!r} is given both by `map` and by `set`/`params`; keep one"
            )
        if template.is_bulk:
            for name in self.mapping:
                if self.fields[name].location != "body":
                    raise ConfigError(
                        f"{name!r} is a {self.fields[name].location} parameter of the bulk "
                        f"template {template.name}, the same for every item; give it in "
                        f"`params` ({name}=VALUE) instead of `map`"
                    )
        self.constants: dict[str, Any] = {}
        for name, value in (constants or {}).items():
            try:
                self.constants[name] = convert(self.fields[name], value)
            except ConversionError as exc:
                raise ConfigError(f"constant {name}={value!r}: {exc}; fix the value") from None
        self._columns_checked = False

    def _check_names(self, names: Mapping[str, Any], option: str) -> None:
        for name in names:
            if name not in self.fields:
                known = ", ".join(self.fields)
                raise ConfigError(
                    f"{option} names {name!r}, which is not a field of {self.template.name}; "
                    f"its fields are: {known}"
                )

    @property
    def body_fields(self) -> list[str]:
        """Names of the body fields of the template (items fields in per-item mode)."""
        return [p.name for p in self.fields.values() if p.location == "body"]

    def _check_columns(self, record: Mapping[str, Any]) -> None:
        missing = [column for column in self.mapping.values() if column not in record]
        if missing:
            columns = ", ".join(record) or "(none)"
            raise ConfigError(
                f"`map` names the column {missing[0]!r}, which is not in the input; "
                f"its columns are: {columns}"
            )
        self._columns_checked = True

    def prepare(self, record: Mapping[str, Any]) -> Prepared:
        """The converted call for `record`, or RowError saying which field is wrong and why."""
        if not self._columns_checked:
            self._check_columns(record)
        prepared = Prepared()
        errors: list[str] = []
        for name, param in self.fields.items():
            if name in self.constants:
                value = self.constants[name]
            else:
                raw = record.get(self.mapping.get(name, name))
                if self.template.is_bulk and param.location != "body":
                    raw = None  # a bulk request's query/path values are constants only
                try:
                    value = convert(param, raw)
                except ConversionError as exc:
                    column = self.mapping.get(name, name)
                    errors.append(f"{name} (column {column!r}): {exc}")
                    continue
            if value is None:
                if param.required:
                    errors.append(f"{name} is required but empty")
                continue
            target = {
                "path": prepared.path_values,
                "query": prepared.query,
                "body": prepared.body,
            }[param.location]
            target[name] = value
        if self.item_mode and self.template.method == "PUT" and "id" not in prepared.body:
            errors.append("id is required to update a contract item but empty")
        if errors:
            raise RowError("; ".join(errors))
        return prepared
