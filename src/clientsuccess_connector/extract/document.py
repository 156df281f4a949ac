"""Response format detection and parsing shared by the reader and path suggestions."""

from __future__ import annotations

from typing import Any, Literal

import orjson

from clientsuccess_connector.errors import DataError
from clientsuccess_connector.extract.exact_json import loads_exact, might_lose_precision
from clientsuccess_connector.extract.xpath import parse_xml

__all__ = ["Format", "detect_format", "parse_document", "parse_json"]

Format = Literal["json", "xml"]

_BOM = b"\xef\xbb\xbf"


def detect_format(content: bytes, content_type: str | None = None) -> Format:
    """`json` or `xml`: from the Content-Type when it says so, else from the first
    non-space character (`<` means XML, `{` or `[` JSON); DataError when it is neither."""
    if content_type:
        media = content_type.split(";", 1)[0].strip().lower()
        if media.endswith(("/json", "+json")) or media == "json":
            return "json"
        if media.endswith(("/xml", "+xml")) or media == "xml":
            return "xml"
    head = content.removeprefix(_BOM).lstrip()[:1]
    if head == b"<":
        return "xml"
    if head in (b"{", b"["):
        return "json"
    try:
        orjson.loads(content)
    except orjson.JSONDecodeError:
        shown = content[:40].decode("utf-8", "replace")
        kind = f" ({content_type})" if content_type else ""
        raise DataError(
            f"the response{kind} is neither JSON nor XML; it starts with {shown!r}"
        ) from None
    return "json"


def parse_json(content: bytes) -> Any:
    """Parse a JSON response; DataError with a one-line reason when it is not valid JSON.
    Huge integers, lone surrogates and absurd nesting take the exact (slower) parser."""
    body = content.removeprefix(_BOM)
    if not might_lose_precision(body):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if "surrogate" not in str(exc) and "depth" not in str(exc):
                raise DataError(f"the response is not valid JSON: {exc}") from None
    try:
        return loads_exact(body)
    except ValueError as exc:
        raise DataError(f"the response is not valid JSON: {exc}") from None


def parse_document(content: bytes, content_type: str | None = None) -> tuple[Format, Any]:
    """Detect the format and parse: a JSON value, or the root element of an XML document."""
    kind = detect_format(content, content_type)
    if kind == "xml":
        return kind, parse_xml(content)
    return kind, parse_json(content)
