"""CSV that a spreadsheet cannot execute: formula neutralisation, as OWASP recommends.

A text value starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a
`'` in front, so Excel, LibreOffice and Google Sheets show it as text instead of running it
(`=HYPERLINK(...)`, `@SUM(...)|cmd`). A value that already starts with `'` followed by such
a character gets one more `'`, so reading the file back (`restore`) gives every value exactly
as it was. `formulas=raw` on a CSV destination, or `--csv-formulas raw`, writes values as
they are, for a program to read.
"""

from __future__ import annotations

import re

from clientsuccess_connector.errors import ConfigError

FORMULA_MODES = ("escape", "raw")
TRIGGERS = "=+-@\t\r"
_ESCAPE = re.compile(r"'*[=+\-@\t\r]")  # matched at the start only: linear
_RESTORE = re.compile(r"'+[=+\-@\t\r]")
# The same rules in DuckDB's regular expressions (RE2), inside SQL string literals.
_SQL_ESCAPE = "'^''*[-=+@\\t\\r]'"
_SQL_RESTORE = "'^''+[-=+@\\t\\r]'"


def neutralise(value: str) -> str:
    """`value` with a `'` in front when a spreadsheet would read it as a formula."""
    return "'" + value if _ESCAPE.match(value) else value


def restore(value: str) -> str:
    """The value `neutralise` was given."""
    return value[1:] if _RESTORE.match(value) else value


def neutralise_sql(column: str) -> str:
    """A DuckDB expression: `neutralise` of the text expression `column`."""
    escaped = "'''' || " + column  # SQL: the text ' (doubled in its literal), then the value
    return f"CASE WHEN regexp_matches({column}, {_SQL_ESCAPE}) THEN {escaped} ELSE {column} END"


def restore_sql(column: str) -> str:
    """A DuckDB expression: `restore` of the text expression `column`."""
    restored = f"substr({column}, 2)"
    return f"CASE WHEN regexp_matches({column}, {_SQL_RESTORE}) THEN {restored} ELSE {column} END"


def check_mode(mode: str, where: str) -> str:
    """`mode` when it is escape or raw; a ConfigError naming `where` otherwise."""
    if mode not in FORMULA_MODES:
        raise ConfigError(
            f"{where}: formulas must be escape (the default: a leading = + - @ is written "
            f"as text) or raw, not {mode!r}"
        )
    return mode
