"""Convert input values to a template field's catalogue type, or explain why not.

Every converter takes a value as an input reader produced it (text from CSV, native JSON, or a
Python value from Parquet/DuckDB/PostgreSQL) and returns the JSON value to send. `None` means
"not given". A value that cannot be converted raises `ConversionError` with a short reason.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Callable
from typing import Any

import orjson

from clientsuccess_connector.catalog import Param

_TRUE = {"true", "t", "yes", "y", "1", "on"}
_FALSE = {"false", "f", "no", "n", "0", "off"}
_INT_TEXT = re.compile(r"^[+-]?\d+(\.0*)?$")
_EPOCH_TEXT = re.compile(r"^\d{9,13}(\.\d+)?$")
_DATE_FORMS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")


class ConversionError(ValueError):
    """A value that does not fit its field's type; the message says what was expected."""


_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what a JSON body can carry


def _integer(value: Any) -> int:
    number = _whole(value)
    if not _INT_MIN <= number <= _INT_MAX:
        raise ConversionError(f"{number} does not fit in a 64-bit integer")
    return number


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise ConversionError("a boolean where an integer was expected")
    if isinstance(value, int):
        return value
    if isinstance(value, float | decimal.Decimal):
        if not math.isfinite(float(value)) or not float(value).is_integer():
            raise ConversionError(f"{value} is not a whole number")
        return int(value)
    text = str(value).strip()
    if _INT_TEXT.match(text):
        return int(text.split(".")[0])
    raise ConversionError(f"{text!r} is not an integer")


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ConversionError("a boolean where a number was expected")
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float | decimal.Decimal):
        result = float(value)
    else:
        text = str(value).strip()
        if _INT_TEXT.fullmatch(text) and "." not in text:
            return _integer(int(text))
        try:
            result = float(text)
        except ValueError:
            raise ConversionError(f"{text!r} is not a number") from None
    if not math.isfinite(result):
        raise ConversionError(f"{value!r} is not a finite number")
    return result


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConversionError(f"{value!r} is not a boolean (use true/false, yes/no or 1/0)")


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = _from_epoch(float(value))
    else:
        text = str(value).strip()
        moment = _from_epoch(float(text)) if _EPOCH_TEXT.match(text) else _parse_iso(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _from_epoch(seconds: float) -> dt.datetime:
    if seconds > 1e11:  # milliseconds since the epoch
        seconds /= 1000
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _parse_iso(text: str) -> dt.datetime:
    candidate = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        return dt.datetime.fromisoformat(candidate)
    except ValueError:
        pass
    for form in _DATE_FORMS:
        try:
            return dt.datetime.strptime(text, form)
        except ValueError:
            continue
    raise ConversionError(
        f"{text!r} is not a timestamp (use ISO 8601 such as 2024-05-01T09:30:00Z, "
        "a YYYY-MM-DD date or epoch seconds)"
    )


def _timestamp(value: Any) -> str:
    moment = _as_datetime(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _date(value: Any) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        for form in _DATE_FORMS:
            try:
                return dt.datetime.strptime(text, form).date().isoformat()
            except ValueError:
                continue
    try:
        moment = value if isinstance(value, dt.datetime) else _as_datetime(value)
    except ConversionError:
        raise ConversionError(f"{value!r} is not a date (use YYYY-MM-DD)") from None
    return moment.date().isoformat()


def _object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise ConversionError('not valid JSON; give a JSON object such as {"k": 1}') from None
        if isinstance(parsed, dict):
            return parsed
    raise ConversionError('not a JSON object; give one such as {"k": 1}')


def _array(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = orjson.loads(text)
            except orjson.JSONDecodeError:
                raise ConversionError("starts with '[' but is not a valid JSON array") from None
            if isinstance(parsed, list):
                return parsed
        return [part.strip() for part in text.split(",") if part.strip()]
    raise ConversionError(f"a {type(value).__name__} where a list was expected")


def _string(value: Any) -> str:
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return _timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "timestamp": _timestamp,
    "date": _date,
    "object": _object,
    "array": _array,
    "string": _string,
}


def convert(param: Param, value: Any) -> Any:
    """`value` as `param`'s type, checked against its enum, length and range; None stays None."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip() == "" and param.type != "string":
        return None
    result = CONVERTERS[param.type](value)
    if param.enum and result not in param.enum:
        raise ConversionError(f"{result!r} is not one of {', '.join(param.enum)}")
    if param.max_length is not None and isinstance(result, str) and len(result) > param.max_length:
        raise ConversionError(f"{len(result)} characters; at most {param.max_length} allowed")
    if isinstance(result, int | float) and not isinstance(result, bool):
        if param.minimum is not None and result < param.minimum:
            raise ConversionError(f"{result} is below the minimum {param.minimum:g}")
        if param.maximum is not None and result > param.maximum:
            raise ConversionError(f"{result} is above the maximum {param.maximum:g}")
    return result
