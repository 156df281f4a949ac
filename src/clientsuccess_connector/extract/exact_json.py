"""JSON that the fast parser (orjson) cannot take as it is, parsed without losing anything:

- integers beyond 64 bits, which orjson turns into floats (two 24-digit ids would merge):
  parsed exactly as Python ints;
- lone UTF-16 surrogates such as `\\ud800`, which orjson refuses (the whole page would be
  rejected on every run): kept, and replaced with U+FFFD by the destination;
- nesting deeper than orjson's 1,024 levels: anything nested `MAX_DEPTH` levels deep is kept
  as its JSON text (a string) instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

LONG_NUMBER_DIGITS = 20
"""20 digits or more: possibly an integer beyond 64 bits (orjson would make it a float)."""
# Every digit becomes "0", so a run of digits is a run of zeros that `in` finds at C speed:
# about 15 times faster per page than the regex `\d{20}`, which tried each digit as a start.
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_RUN = b"0" * LONG_NUMBER_DIGITS
MAX_DEPTH = 512
"""Values nested this deep (counted from the document's root) are kept as JSON text."""
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def might_lose_precision(body: bytes) -> bool:
    """True when `body` holds a run of 20+ digits (a number orjson could round)."""
    return _LONG_RUN in body.translate(_DIGITS_AS_ZERO)


def loads_exact(body: bytes) -> Any:
    """Parse `body` exactly (see the module docstring); ValueError when it is not JSON."""
    text = body.decode("utf-8", errors="surrogatepass")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        return json.loads(_deep_parts_as_text(text), parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _deep_parts_as_text(text: str) -> str:
    """`text` with every array or object that opens at depth MAX_DEPTH replaced by a JSON
    string holding its text."""
    out: list[str] = []
    depth = 0
    copied = 0  # text[:copied] is in `out`
    start = -1  # where the array or object being turned into text opened
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            if depth == MAX_DEPTH and start < 0:
                start = match.start()
        else:
            if depth == MAX_DEPTH and start >= 0:
                out += [text[copied:start], json.dumps(text[start : match.end()])]
                copied, start = match.end(), -1
            depth -= 1
    out.append(text[copied:])
    return "".join(out)
