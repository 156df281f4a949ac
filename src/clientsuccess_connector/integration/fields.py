"""Column types a template declares for its records, for fields a sample shows only as null.

A search template's records are what its entity's create template takes: `/pulse/search` reads
what `POST /pulse` writes, so `create_pulse`'s body fields (with their types) name the columns
of `search_pulses`. A field a sample only saw as null is typed from there, else as text: a
destination then creates a typed column at once instead of warning about an untyped one.
"""

from __future__ import annotations

from collections.abc import Mapping

from clientsuccess_connector.catalog import Template, catalog
from clientsuccess_connector.catalog.model import ParamType
from clientsuccess_connector.integration.columns import Columns
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.sinks.base import ColumnType

_COLUMN_TYPES: dict[ParamType, ColumnType] = {
    "string": "text", "integer": "integer", "number": "float", "boolean": "boolean",
    "timestamp": "timestamp", "date": "text", "object": "json", "array": "json",
}  # fmt: skip
FALLBACK: ColumnType = "text"
"""The type of a field seen only as null that no template declares."""


def _writer_of(template: Template) -> Template | None:
    """The create template whose body is a record of `template`'s search, if there is one."""
    if not template.path.endswith("/search"):
        return None
    base = template.path.removesuffix("/search")
    for other in catalog().values():
        if other.kind == "write" and other.method == "POST" and other.path == base:
            return other
    return None


def declared_columns(source: Source) -> dict[str, ColumnType]:
    """Field -> type as the source's template family declares its records' fields."""
    template = source.template
    writer = _writer_of(template) if template is not None else None
    if writer is None:
        return {}
    return {p.name: _COLUMN_TYPES[p.type] for p in writer.params if p.location == "body"}


def typed_columns(columns: Columns, declared: Mapping[str, ColumnType]
                  ) -> dict[str, ColumnType]:  # fmt: skip
    """`columns` with every null-only field given its declared type, else text."""
    return {name: kind or declared.get(name, FALLBACK) for name, kind in columns.items()}
