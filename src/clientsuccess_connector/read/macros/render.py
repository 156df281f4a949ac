"""Macros in URLs, parameters, headers and bodies: `{now}`, `{now-N}`, `{now+N}`, `{LOOKUP.COLUMN}`.

Syntax (predictable on purpose): a macro is `{` + a letter or `_` + letters, digits, `_`, `.`,
`-`, `+` or spaces + `}`. `{now}`, `{now-4}`, `{now + 1}` are date macros (N units of
`time_unit` from the run's clock, rendered with `date_format`); `{contracts.id}` is a lookup
macro. Anything else of that shape (`{nwo-1}`, `{clientId}`) is an error that lists the known
macros. Braces that do not have that shape (JSON such as `{"a": 1}`, `{}`) are plain text, and
`{{now}}` is the literal text `{now}`.

Values are encoded for where they go (`render(..., where=...)`):
  path    each value percent-encoded as exactly one path segment (`/`, `..`, `?`, `#` stay inside)
  url     a whole URL: values before the template's first `?` as one segment each, values
          after it with `quote(value, safe="")`, so `&`, `=` and `#` cannot add parameters
  query   the raw value of one query parameter (the HTTP client encodes it)
  header  the raw value, but a line break (CR or LF) is rejected: no header injection
  body    the raw value (use `render_json` for JSON bodies: types are kept)
  raw     the raw value
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote

import orjson

from clientsuccess_connector.connection.urls import encode_segment
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.macros.dates import DATE_MACROS, DateMacroContext

Where = Literal["path", "query", "url", "body", "header", "raw"]
Row = Mapping[str, Mapping[str, Any]]  # lookup name -> {column: value} for one request

# --- parsing ----------------------------------------------------------------------------

_SHAPE = r"\s*[^\W\d][\w.+\- ]*?\s*"
_TOKEN = re.compile(rf"\{{\{{({_SHAPE})\}}\}}|\{{({_SHAPE})\}}")
_DATE = re.compile(r"now(?:\s*([+-])\s*(\d+))?", re.IGNORECASE)
_LOOKUP = re.compile(r"([^\W\d]\w*)\s*\.\s*(\w[\w\- ]*?)")


@dataclass(frozen=True, slots=True)
class MacroRef:
    """One macro found in a text: a date macro (`offset`) or a lookup (`lookup`, `column`)."""

    kind: Literal["date", "lookup"]
    text: str  # as written, braces included
    start: int
    end: int
    offset: int = 0
    lookup: str | None = None
    column: str | None = None

    @property
    def name(self) -> str:
        """The canonical spelling: `{now}`, `{now-4}`, `{contracts.id}`."""
        if self.kind == "lookup":
            return f"{{{self.lookup}.{self.column}}}"
        return "{now}" if self.offset == 0 else f"{{now{self.offset:+d}}}"


def _known_list(known_lookups: Mapping[str, Iterable[str]] | None) -> str:
    names = list(DATE_MACROS)
    for lookup, columns in sorted((known_lookups or {}).items()):
        listed = sorted(columns)
        if listed:
            names.extend(f"{{{lookup}.{column}}}" for column in listed)
        else:
            names.append(f"{{{lookup}.<column>}}")
    if not known_lookups:
        names.append("{LOOKUP.COLUMN} for a lookup declared under lookups:")
    return ", ".join(names)


_NAMED = re.compile(r"\{\s*([^\W\d]\w*)(.*?)\s*\}")


def did_you_mean(text: str, known_lookups: Iterable[str] = ()) -> str:
    """` (did you mean {now-7}?)` for a near miss of `now` or a declared lookup's name, else ""."""
    named = _NAMED.fullmatch(text)
    if named is None:
        return ""
    name, rest = named.groups()
    close = difflib.get_close_matches(name, ["now", *known_lookups], n=1, cutoff=0.6)
    return f" (did you mean {{{close[0]}{rest}}}?)" if close and close[0] != name else ""


def _unknown(
    text: str, reason: str, field: str | None, known: Mapping[str, Iterable[str]] | None
) -> ConfigError:
    where = f" in {field}" if field else ""
    hint = did_you_mean(text, known or ())
    return ConfigError(
        f"unknown macro {text}{where}{reason}{hint}; known macros: {_known_list(known)} "
        "(write {{ and }} for literal braces)"
    )


def _check_lookup(ref: MacroRef, known: Mapping[str, Iterable[str]], field: str | None) -> None:
    lookup = ref.lookup or ""
    if lookup not in known:
        raise _unknown(ref.text, f": no lookup named {lookup!r} is declared", field, known)
    columns = set(known[lookup])
    if columns and ref.column not in columns:
        raise _unknown(
            ref.text, f": lookup {ref.lookup!r} has no column {ref.column!r}", field, known
        )


def _parse_one(
    match: re.Match[str], field: str | None, known: Mapping[str, Any] | None
) -> MacroRef:
    inner = match.group(2).strip()
    date = _DATE.fullmatch(inner)
    if date:
        sign, amount = date.groups()
        offset = int(amount) * (-1 if sign == "-" else 1) if amount else 0
        return MacroRef("date", match.group(0), match.start(), match.end(), offset=offset)
    lookup = _LOOKUP.fullmatch(inner)
    if lookup:
        return MacroRef(
            "lookup",
            match.group(0),
            match.start(),
            match.end(),
            lookup=lookup.group(1),
            column=lookup.group(2).strip(),
        )
    raise _unknown(match.group(0), "", field, known)


def parse_macros(
    text: str,
    *,
    known_lookups: Mapping[str, Iterable[str]] | None = None,
    field: str | None = None,
) -> list[MacroRef]:
    """The macros of `text`, in order; ConfigError on an unknown one (and, when
    `known_lookups` is given, on a lookup or column that is not declared there)."""
    refs: list[MacroRef] = []
    for match in _TOKEN.finditer(text):
        if match.group(2) is None:  # {{...}}: literal braces
            continue
        ref = _parse_one(match, field, known_lookups)
        if ref.kind == "lookup" and known_lookups is not None:
            _check_lookup(ref, known_lookups, field)
        refs.append(ref)
    return refs


def lookup_refs(*texts: str) -> set[tuple[str, str]]:
    """Every `(lookup, column)` referenced by the texts: what fan-out must iterate over."""
    return {
        (ref.lookup, ref.column)
        for text in texts
        for ref in parse_macros(text)
        if ref.kind == "lookup" and ref.lookup is not None and ref.column is not None
    }


# --- rendering --------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def _typed_value(
    ref: MacroRef,
    dates: DateMacroContext | None,
    row: Mapping[str, Mapping[str, Any]] | None,
    known: Mapping[str, Iterable[str]],
    field: str | None,
) -> Any:
    if ref.kind == "date":
        if dates is None:
            raise ConfigError(f"date macro {ref.text} needs a clock: pass dates=")
        return dates.value(ref.offset)
    _check_lookup(ref, known, field)
    values = (row or {}).get(ref.lookup or "")
    if values is None or ref.column not in values:
        raise ConfigError(
            f"lookup macro {ref.text} has no value: one request is made per row of lookup "
            f"{ref.lookup!r}, so pass that row"
        )
    return values[ref.column or ""]


def _known_from(
    row: Mapping[str, Mapping[str, Any]] | None, known_lookups: Mapping[str, Iterable[str]] | None
) -> Mapping[str, Iterable[str]]:
    if known_lookups is not None:
        return known_lookups
    return {name: set(values) for name, values in (row or {}).items()}


def _encode(value: Any, ref: MacroRef, section: str, where: Where, field: str | None) -> str:
    text = _as_text(value)
    if section == "path":
        if text == "":
            raise ConfigError(
                f"macro {ref.text}{' in ' + field if field else ''} is empty, which would leave "
                "an empty path segment; skip rows without a value"
            )
        return encode_segment(text)
    if section == "query":
        return quote(text, safe="")
    if where == "header" and ("\r" in text or "\n" in text or "\0" in text):
        raise ConfigError(
            f"macro {ref.text}{' in ' + field if field else ''} has a line break in its value, "
            "which a header cannot carry; clean the value or move it out of the header"
        )
    return text


def render(
    text: str,
    *,
    dates: DateMacroContext | None,
    row: Mapping[str, Mapping[str, Any]] | None = None,
    where: Where = "raw",
    known_lookups: Mapping[str, Iterable[str]] | None = None,
    field: str | None = None,
) -> str:
    """Replace every macro of `text`, each value encoded for `where` (see the module doc).

    `row` maps lookup name -> {column: value} for the one request being built;
    `known_lookups` maps each declared lookup to its columns (an empty set: columns not
    known yet, any accepted); it defaults to the lookups and columns present in `row`.
    """
    known = _known_from(row, known_lookups)
    out: list[str] = []
    section = "path" if where in ("path", "url") else "value"
    position = 0
    for match in _TOKEN.finditer(text):
        literal = text[position : match.start()]
        out.append(literal)
        if where == "url" and section == "path" and ("?" in literal or "#" in literal):
            section = "query"
        position = match.end()
        if match.group(2) is None:
            out.append("{" + match.group(1) + "}")
            continue
        ref = _parse_one(match, field, known)
        value = _typed_value(ref, dates, row, known, field)
        out.append(_encode(value, ref, section, where, field))
    out.append(text[position:])
    rendered = "".join(out)
    if where == "header" and ("\r" in rendered or "\n" in rendered):
        raise ConfigError(
            f"header{' ' + field if field else ''} has a line break; a header value is one line"
        )
    return rendered


def render_value(
    text: str,
    *,
    dates: DateMacroContext | None,
    row: Mapping[str, Mapping[str, Any]] | None = None,
    known_lookups: Mapping[str, Iterable[str]] | None = None,
    field: str | None = None,
) -> Any:
    """A parameter value: when `text` is exactly one macro, its typed value (an int id stays
    an int, epoch formats give ints); otherwise `render(text, where="raw")`."""
    match = _TOKEN.fullmatch(text)
    if match and match.group(2) is not None:
        known = _known_from(row, known_lookups)
        return _typed_value(_parse_one(match, field, known), dates, row, known, field)
    return render(text, dates=dates, row=row, where="raw", known_lookups=known_lookups, field=field)


def render_json(
    obj: Any,
    *,
    dates: DateMacroContext | None,
    row: Mapping[str, Mapping[str, Any]] | None = None,
    known_lookups: Mapping[str, Iterable[str]] | None = None,
    field: str | None = "body",
) -> Any:
    """Render every string of a JSON-like body (keys too); a string that is exactly one
    macro becomes the typed value (see `render_value`). Other values are kept as they are."""

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return render_value(
                node, dates=dates, row=row, known_lookups=known_lookups, field=field
            )
        if isinstance(node, dict):
            return {
                render(
                    str(k),
                    dates=dates,
                    row=row,
                    where="body",
                    known_lookups=known_lookups,
                    field=field,
                ): walk(v)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(obj)


@dataclass(frozen=True, slots=True)
class RenderContext:
    """Rendering one source's requests: the run's date macros and the declared lookups.

    Built once per read; each request passes only its lookup `row` and where the value goes.
    """

    dates: DateMacroContext | None
    known_lookups: Mapping[str, Iterable[str]] | None = None

    def text(self, value: str, row: Row | None, where: Where, field: str | None = None) -> str:
        """`render` for one string going to `where`."""
        return render(
            value, dates=self.dates, row=row, where=where, known_lookups=self.known_lookups,
            field=field,
        )  # fmt: skip

    def json(self, value: Any, row: Row | None, field: str | None = "body") -> Any:
        """`render_json` for a parameter value or a body (single macros keep their type)."""
        return render_json(
            value, dates=self.dates, row=row, known_lookups=self.known_lookups, field=field
        )
