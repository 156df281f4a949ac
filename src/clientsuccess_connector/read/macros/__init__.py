"""Macros in URLs, parameters, headers and bodies: `{now}`, `{now-N}`, `{now+N}`, `{LOOKUP.COLUMN}`.

`dates` holds the run's clock and the date formats; `render` parses macros and renders them,
each value encoded for where it goes. See docs/macros.md.
"""

from clientsuccess_connector.read.macros.dates import (
    DATE_MACROS,
    DEFAULT_DATE_FORMAT,
    DEFAULT_TIME_UNIT,
    TIME_UNITS,
    DateMacroContext,
    MacroClock,
    normalize_time_unit,
    shift,
    validate_date_format,
)
from clientsuccess_connector.read.macros.render import (
    MacroRef,
    RenderContext,
    Row,
    Where,
    lookup_refs,
    parse_macros,
    render,
    render_json,
    render_value,
)

__all__ = [
    "DATE_MACROS",
    "DEFAULT_DATE_FORMAT",
    "DEFAULT_TIME_UNIT",
    "TIME_UNITS",
    "DateMacroContext",
    "MacroClock",
    "MacroRef",
    "RenderContext",
    "Row",
    "Where",
    "lookup_refs",
    "normalize_time_unit",
    "parse_macros",
    "render",
    "render_json",
    "render_value",
    "shift",
    "validate_date_format",
]
