"""Turning a schema library's errors into one ConfigError sentence naming the key and the fix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from clientsuccess_connector.config.base import shown_key
from clientsuccess_connector.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

# What a value must be, by the schema library's error type.
_WANTED = {
    "int_type": "a whole number", "int_parsing": "a whole number",
    "int_from_float": "a whole number", "float_type": "a number", "float_parsing": "a number",
    "finite_number": "a finite number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "text (quote it)",
    "dict_type": "a mapping of KEY: VALUE", "model_type": "a mapping of KEY: VALUE",
    "model_attributes_type": "a mapping of KEY: VALUE", "list_type": "a list, e.g. [a, b]",
    "none_required": "empty", "bool_not_number": "a number",
    "bool_not_whole": "a whole number",
}  # fmt: skip

_SECRET_KEYS = frozenset({"api_key", "password"})

# What a key's value must be, where more telling than its type (type mistakes only).
_HINTS = {
    "credential": "a name from `credentials list`, e.g. prod",
    "destination": "a URL such as duckdb:///data.duckdb",
    "timeout": "a number of seconds, e.g. 30",
    "request_deadline": "a number of seconds, e.g. 300",
    "series_deadline": "a number of seconds, e.g. 21600",
    "max_retry_seconds": "a number of seconds, e.g. 120",
    "api_key": 'text; quote it (api_key: "...") or better write ${CLIENTSUCCESS_API_KEY}',
    "password": 'text; quote it (password: "...") or better write ${CLIENTSUCCESS_PASSWORD}',
    "verify_tls": "true or false",
}


def validate(model: type[M], data: Any, label: str, prefix: str = "") -> M:
    """`data` validated by `model`, or a ConfigError: `{label}: {key path} {problem}`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe(exc, data, label, prefix)) from None
    except RecursionError:
        raise ConfigError(f"{label}: nested too deeply") from None


def describe(exc: ValidationError, data: Any, label: str, prefix: str = "") -> str:
    """The one sentence for the most specific of `exc`'s errors."""
    errors = [(_key_path(error["loc"], data), error) for error in exc.errors()]
    deepest = max(len(path) for path, _ in errors)
    chosen = [(path, e) for path, e in errors if len(path) == deepest]
    path = chosen[0][0]
    same_place = [e for p, e in chosen if p == path]
    # A mapping given where a union also takes text: the mapping's own error is the one to show.
    specific = [e for e in same_place if not _mismatch(e)]
    same_place = specific or same_place
    if path and path[-1] == "(key)":
        where = _render((prefix,) if prefix else (), path[:-2])
        key = shown_key(path[-2])
        return f"{label}: {where}: key {key} must be text; quote it"
    where = _render((prefix,) if prefix else (), path)
    head = f"{label}: {where}" if where else label
    # connection/ validates its settings with this module, so its masker is imported here.
    from clientsuccess_connector.connection.redaction import looks_secret  # noqa: PLC0415

    last = path[-1] if path else ""
    hide = isinstance(last, str) and (last in _SECRET_KEYS or looks_secret(last))
    custom = [e for e in same_place if e["type"] not in _WANTED and e["type"] != "missing"]
    if custom:
        return f"{head}{_message(custom[0], hide)}"
    wanted = list(
        dict.fromkeys(_WANTED.get(e["type"], "") for e in same_place if e["type"] in _WANTED)
    )
    if not wanted:
        return f"{head} is required"
    what = _HINTS.get(last, " or ".join(wanted)) if isinstance(last, str) else " or ".join(wanted)
    return f"{head} must be {what}, not {_show(_at(data, path), hide)}"


def _mismatch(error: ErrorDetails) -> bool:
    """True for "wrong type" errors, as opposed to errors about a value of the right type."""
    if error["type"] == "literal_error":
        return not isinstance(error["input"], str)
    return error["type"] in _WANTED


def _message(error: ErrorDetails, hide: bool) -> str:
    """The problem, after the key path; `hide` keeps a secret's value out of it."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "unknown_key":
        return f": {error['msg']}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", ", ").replace("'", "")
        return f": {_show(error['input'], hide)} is not one of {expected}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(ctx.values()), "")
        word = {"greater_than": "greater than", "greater_than_equal": "at least",
                "less_than": "less than", "less_than_equal": "at most"}[kind]  # fmt: skip
        if kind == "greater_than" and bound == 0:
            return f" must be positive, not {_show(error['input'], hide)}"
        return f" must be {word} {bound}, not {_show(error['input'], hide)}"
    if kind == "string_too_short":
        return " must not be empty"
    if kind == "string_pattern_mismatch":
        return f" must be a name (letters, digits, _), not {_show(error['input'], hide)}"
    if kind == "union_tag_invalid":
        expected = str(ctx.get("expected_tags", "")).replace("'", "")
        return f": unknown type {_show(ctx.get('tag'))}; use one of {expected}"
    text = str(error["msg"])
    return f": {text[0].lower() + text[1:]}" if text else " is not valid"


def _key_path(loc: Sequence[int | str], data: Any) -> tuple[int | str, ...]:
    """The loc's keys that exist in `data` (list indexes as ints, mapping keys as text);
    union members and tags, which are not in the document, are left out."""
    path: list[int | str] = []
    current = data
    for part in loc:
        if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
            path.append(part)
        elif isinstance(current, Mapping) and str(part) in map(str, current):
            current = next(v for k, v in current.items() if str(k) == str(part))
            path.append(str(part))
        elif part == "[key]":
            path.append("(key)")
    return tuple(path)


def _at(data: Any, path: tuple[int | str, ...]) -> Any:
    for part in path:
        if part == "(key)":
            return "a key" if not isinstance(data, Mapping) else data
        if isinstance(data, Mapping):
            data = next((v for k, v in data.items() if str(k) == str(part)), None)
        elif isinstance(data, list) and isinstance(part, int):
            data = data[part]
    return data


def _render(prefix: tuple[str, ...], path: tuple[int | str, ...]) -> str:
    text = ".".join(prefix)
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "(key)":
            text += " key"
        else:
            text = f"{text}.{shown_key(part)}" if text else shown_key(part)
    return text


def _show(value: Any, hide: bool = False) -> str:
    """A value as an error shows it: short, and only its kind when it may be a secret."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if hide:
        kind = "a number" if isinstance(value, int | float) and not isinstance(value, bool) else ""
        return kind or type(value).__name__
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
