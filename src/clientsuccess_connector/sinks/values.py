"""Make text storable everywhere: NUL characters and lone UTF-16 surrogates become U+FFFD.

PostgreSQL refuses NUL in TEXT and `\\u0000` in JSONB; no destination can encode a lone
surrogate (such as `\\ud800`) as UTF-8. Replacing them keeps the rest of the value and lets
the stream go on; the sink counts every value it changed.
"""

from __future__ import annotations

import json as stdlib_json
import re
from typing import Any

import orjson

REPLACEMENT = "\ufffd"
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
_ESCAPED_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")
"""`\\u0000` escapes in JSON text (not preceded by an escaped backslash)."""


def clean_text(text: str) -> str:
    """`text` with NUL and lone surrogates replaced by U+FFFD."""
    return _BAD_CHARS.sub(REPLACEMENT, text)


def repair_texts(texts: list[str | None], json: bool) -> tuple[list[str | None], int]:
    """`texts` with NUL and lone surrogates replaced (in JSON text when `json`, its `\\u0000`
    escapes too), and the number of values changed; `texts` itself when nothing changed."""
    if not _needs_repair("".join(filter(None, texts)), json):
        return texts, 0
    fixed_texts: list[str | None] = []
    changed = 0
    for text in texts:
        fixed = text
        if text:
            fixed = _BAD_CHARS.sub(REPLACEMENT, text)
            if json:
                fixed = _ESCAPED_NUL.sub(r"\1\\ufffd", fixed)
            changed += fixed != text
        fixed_texts.append(fixed)
    return fixed_texts, changed


def _needs_repair(joined: str, json: bool) -> bool:
    """True when `joined` holds a NUL, a lone surrogate or (in JSON) a `\\u0000` escape.

    UTF-8 encoding refuses exactly the lone surrogates, and does so at C speed: a regex over
    the whole batch's text costs several times more."""
    if "\x00" in joined or (json and "\\u0000" in joined):
        return True
    if joined.isascii():
        return False
    try:
        joined.encode()
    except UnicodeEncodeError:
        return True
    return False


class _Literal(str):
    """JSON punctuation on the encoder's stack (told apart from string values)."""


def json_text(value: Any, *, pretty: bool = False) -> str:
    """`value` as JSON text, whatever the API sent: orjson, and for what it refuses (nesting
    deeper than 254 levels, integers beyond 64 bits, lone surrogates) the exact, compact
    `dump_deep_json`. Unknown types (datetimes, Decimals) become their `str()`."""
    try:
        option = orjson.OPT_INDENT_2 if pretty else None
        return orjson.dumps(value, option=option, default=str).decode()
    except orjson.JSONEncodeError:
        return dump_deep_json(value)


def dump_deep_json(value: Any) -> str:
    """Compact JSON text of `value` at any nesting depth (no recursion: the stdlib encoder
    stops at about 1,000 levels). Keys become strings, unknown types their `str()`."""
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if type(item) is _Literal:
            out.append(item)
        elif isinstance(item, dict):
            todo: list[Any] = [_Literal("{")]
            for i, (key, child) in enumerate(item.items()):
                prefix = "," if i else ""
                todo += [
                    _Literal(prefix + stdlib_json.dumps(str(key), ensure_ascii=False) + ":"),
                    child,
                ]
            todo.append(_Literal("}"))
            stack.extend(reversed(todo))
        elif isinstance(item, (list, tuple)):
            todo = [_Literal("[")]
            for i, child in enumerate(item):
                todo += [_Literal(","), child] if i else [child]
            todo.append(_Literal("]"))
            stack.extend(reversed(todo))
        else:
            out.append(stdlib_json.dumps(item, ensure_ascii=False, default=str))
    return "".join(out)
