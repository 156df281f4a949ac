"""Date macros' clock and formats: `{now}`, `{now-N}`, `{now+N}` (see docs/macros.md).

`date_format` is a Java-style pattern (`yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`, the default), a
strftime pattern (`%Y-%m-%d`) or `epoch` / `epoch_ms`; `time_unit` is the unit of N.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from clientsuccess_connector.errors import ConfigError

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
