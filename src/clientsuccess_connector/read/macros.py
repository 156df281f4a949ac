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

import calendar
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote

import orjson

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.urls import encode_segment

__all__ = [
    "DATE_MACROS",
    "DEFAULT_DATE_FORMAT",
    "DEFAULT_TIME_UNIT",
    "TIME_UNITS",
    "DateMacroContext",
    "MacroClock",
    "MacroRef",
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

Where = Literal["path", "query", "url", "body", "header", "raw"]

DATE_MACROS = ("{now}", "{now-N}", "{now+N}")
# Nexla's style; gives e.g. 2026-11-27T06:00:00.000Z (UTC, milliseconds, a literal Z).
DEFAULT_DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
DEFAULT_TIME_UNIT = "day"
TIME_UNITS = ("second", "minute", "hour", "day", "week", "month", "year")
EPOCH_FORMATS = ("epoch", "epoch_ms")

# --- date formats -----------------------------------------------------------------------

_STRFTIME_CODES = set("aAbBcdfGHIjmMpSuUVwWxXyYzZ%")
_JAVA_LETTERS = "yuMLdDHhKkmsSaEXxZzT"
_MONTHS = tuple(calendar.month_name)
_DAYS = tuple(calendar.day_name)

_Formatter = Callable[[datetime], str | int]


def _format_error(date_format: str, reason: str) -> ConfigError:
    return ConfigError(
        f"date_format {date_format!r} {reason}; use a Java-style pattern such as "
        f"{DEFAULT_DATE_FORMAT} or yyyy-MM-dd, a strftime pattern such as "
        "%Y-%m-%dT%H:%M:%S.000Z, or epoch / epoch_ms"
    )


def _java_field(letter: str, width: int, date_format: str) -> Callable[[datetime], str]:
    """One Java pattern field (`yyyy`, `MM`, `SSS`, ...) as a function of a UTC datetime."""

    def number(get: Callable[[datetime], int], pad: int) -> Callable[[datetime], str]:
        return lambda dt: str(get(dt)).zfill(pad)

    if letter in "yu":
        if width == 2:
            return lambda dt: str(dt.year % 100).zfill(2)
        return number(lambda dt: dt.year, max(width, 4) if width > 2 else 1)
    if letter in "ML":
        if width == 3:
            return lambda dt: _MONTHS[dt.month][:3]
        if width >= 4:
            return lambda dt: _MONTHS[dt.month]
        return number(lambda dt: dt.month, width)
    simple: dict[str, Callable[[datetime], int]] = {
        "d": lambda dt: dt.day,
        "D": lambda dt: dt.timetuple().tm_yday,
        "H": lambda dt: dt.hour,
        "k": lambda dt: dt.hour or 24,
        "h": lambda dt: dt.hour % 12 or 12,
        "K": lambda dt: dt.hour % 12,
        "m": lambda dt: dt.minute,
        "s": lambda dt: dt.second,
    }
    if letter in simple:
        return number(simple[letter], width)
    if letter == "S":
        if width > 9:
            raise _format_error(date_format, "asks for more than 9 fraction digits")
        return lambda dt: f"{dt.microsecond:06d}000"[:width]
    if letter == "a":
        return lambda dt: "AM" if dt.hour < 12 else "PM"
    if letter == "E":
        return (
            (lambda dt: _DAYS[dt.weekday()]) if width >= 4 else (lambda dt: _DAYS[dt.weekday()][:3])
        )
    if letter == "X":  # ISO offset; the clock is UTC, so Z
        return lambda dt: "Z"
    if letter == "x":
        text = {1: "+00", 2: "+0000"}.get(width, "+00:00")
        return lambda dt: text
    if letter == "Z":
        text = "Z" if width == 5 else "+0000"
        return lambda dt: text
    if letter == "z":
        return lambda dt: "UTC"
    text = "T" * width  # unquoted T, as in yyyy-MM-ddTHH:mm:ss, is tolerated as a literal
    return lambda dt: text


def _const(text: str) -> Callable[[datetime], str]:
    return lambda _moment: text


def _compile_java(date_format: str) -> _Formatter:
    parts: list[Callable[[datetime], str]] = []
    index = 0
    while index < len(date_format):
        char = date_format[index]
        if char == "'":
            end = index + 1
            literal = []
            while True:
                if end >= len(date_format):
                    raise _format_error(date_format, "has a quote ' that is never closed")
                if date_format[end] == "'":
                    if end + 1 < len(date_format) and date_format[end + 1] == "'":
                        literal.append("'")
                        end += 2
                        continue
                    break
                literal.append(date_format[end])
                end += 1
            parts.append(_const("".join(literal) if end > index + 1 else "'"))
            index = end + 1
        elif char.isascii() and char.isalpha():
            if char not in _JAVA_LETTERS:
                raise _format_error(
                    date_format,
                    f"uses the unknown pattern letter {char!r} (known letters: {_JAVA_LETTERS}; "
                    "quote literal text, as in 'T')",
                )
            end = index
            while end < len(date_format) and date_format[end] == char:
                end += 1
            parts.append(_java_field(char, end - index, date_format))
            index = end
        else:
            parts.append(_const(char))
            index += 1
    return lambda dt: "".join(part(dt) for part in parts)


def _compile_strftime(date_format: str) -> _Formatter:
    for match in re.finditer(r"%(.?)", date_format):
        code = match.group(1)
        if code not in _STRFTIME_CODES:
            raise _format_error(date_format, f"uses the unknown strftime code %{code}")
    return lambda dt: dt.strftime(date_format)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_seconds(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(seconds=1)


def _epoch_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


@lru_cache(maxsize=64)
def _formatter(date_format: str) -> _Formatter:
    key = date_format.strip().lower()
    if key == "epoch":
        return _epoch_seconds
    if key == "epoch_ms":
        return _epoch_ms
    if not key:
        raise _format_error(date_format, "is empty")
    if "%" in date_format:
        return _compile_strftime(date_format)
    return _compile_java(date_format)


def validate_date_format(date_format: str | None) -> str:
    """The format to use (the default when None or empty); ConfigError when it is not valid."""
    chosen = date_format if date_format and date_format.strip() else DEFAULT_DATE_FORMAT
    _formatter(chosen)
    return chosen


def normalize_time_unit(time_unit: str | None) -> str:
    """`day`, `Days`, ` HOUR ` -> the singular lower-case unit; ConfigError on anything else."""
    if time_unit is None or not time_unit.strip():
        return DEFAULT_TIME_UNIT
    unit = time_unit.strip().lower()
    singular = unit[:-1] if unit.endswith("s") else unit
    if singular not in TIME_UNITS:
        raise ConfigError(
            f"time_unit {time_unit!r} is not a known unit; use one of: {', '.join(TIME_UNITS)}"
        )
    return singular


def _add_months(moment: datetime, months: int) -> datetime:
    """Calendar months; the day is clamped to the month's end (Mar 31 - 1 month = Feb 28/29)."""
    years, month_index = divmod(moment.month - 1 + months, 12)
    year = moment.year + years
    month = month_index + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def shift(moment: datetime, amount: int, time_unit: str) -> datetime:
    """`moment` plus `amount` units (negative goes back); month and year clamp at month ends."""
    unit = normalize_time_unit(time_unit)
    try:
        if unit == "month":
            return _add_months(moment, amount)
        if unit == "year":
            return _add_months(moment, 12 * amount)
        return moment + timedelta(**{f"{unit}s": amount})
    except (OverflowError, ValueError):
        raise ConfigError(
            f"date macro offset {amount:+d} {unit}(s) leaves the supported years 1-9999; "
            "use a smaller N"
        ) from None


# --- the run's clock --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateMacroContext:
    """What date macros need: the run's `now` (UTC), the output format and the unit of N."""

    now: datetime
    date_format: str = DEFAULT_DATE_FORMAT
    time_unit: str = DEFAULT_TIME_UNIT

    def __post_init__(self) -> None:
        now = self.now.replace(tzinfo=UTC) if self.now.tzinfo is None else self.now
        object.__setattr__(self, "now", now.astimezone(UTC))
        object.__setattr__(self, "date_format", validate_date_format(self.date_format))
        object.__setattr__(self, "time_unit", normalize_time_unit(self.time_unit))

    def at(self, offset: int = 0) -> datetime:
        """`now` moved by `offset` units of `time_unit`."""
        return shift(self.now, offset, self.time_unit)

    def value(self, offset: int = 0) -> str | int:
        """The formatted value of `{now+offset}` (an int for epoch and epoch_ms)."""
        return _formatter(self.date_format)(self.at(offset))


class MacroClock:
    """Reads the wall clock once: every macro of a run sees the same `now`."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now

    @property
    def now(self) -> datetime:
        """The run's instant, fixed at the first read (or the one given, for tests)."""
        if self._now is None:
            self._now = datetime.now(UTC)
        return self._now

    def context(
        self, date_format: str | None = None, time_unit: str | None = None
    ) -> DateMacroContext:
        """A context for one source (each source may have its own format and unit)."""
        return DateMacroContext(
            self.now, validate_date_format(date_format), normalize_time_unit(time_unit)
        )


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


def _unknown(
    text: str, reason: str, field: str | None, known: Mapping[str, Iterable[str]] | None
) -> ConfigError:
    where = f" in {field}" if field else ""
    return ConfigError(
        f"unknown macro {text}{where}{reason}; known macros: {_known_list(known)} "
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
