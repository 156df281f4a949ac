"""The catalogue as the studio's pickers offer it: read and write templates and their fields."""

from __future__ import annotations

from clientsuccess_connector.catalog import Param, Template, catalog, get_template
from clientsuccess_connector.write.mapping import ITEM_FIELDS, ITEM_TEMPLATES


def read_templates() -> list[Template]:
    """Templates a data flow can read from, in catalogue order."""
    return [t for t in catalog().values() if t.kind == "read"]


def write_templates() -> list[Template]:
    """Templates records can be written through."""
    return [t for t in catalog().values() if t.kind == "write"]


def template(name: str) -> Template:
    """One template; ConfigError listing the known ones otherwise."""
    return get_template(name)


def write_fields(name: str) -> list[Param]:
    """The fields a row maps to for write template `name` (line items for contract items)."""
    tpl = get_template(name)
    if name in ITEM_TEMPLATES:
        return [p for p in tpl.params if p.name != "items"] + list(ITEM_FIELDS)
    return list(tpl.params)
