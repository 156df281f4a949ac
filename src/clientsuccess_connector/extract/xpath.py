"""Path to Data for XML responses: safe parsing and XPath matches turned into records.

Element to record conversion (no type conversion: every value is a string or None):
child elements become keys (a repeated child becomes a list), attributes become `@name`,
the text of a leaf element is its value (an empty leaf is None), and the text of an element
that also has children or attributes is kept under `#text`. Namespace prefixes are dropped
from keys (`{urn:x}item` becomes `item`); comments and processing instructions are ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientsuccess_connector.errors import ConfigError, DataError, missing_extra

if TYPE_CHECKING:  # loaded by _require_lxml when XML is first parsed or an XPath compiled
    from lxml import etree

__all__ = ["CompiledXPath", "compile_xpath", "element_value", "parse_xml"]

EXAMPLE = "/response/data/item"

_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,  # no XXE: external and internal entities stay unexpanded
    "no_network": True,
    "huge_tree": False,  # libxml2's limits against decompression-bomb style documents
    "load_dtd": False,
    "dtd_validation": False,
}


def _require_lxml() -> None:
    """XML needs lxml, installed with the [xml] extra: a MissingExtraError names it.

    The module's `etree` is bound here, before any element or XPath of lxml can exist."""
    global etree
    try:
        from lxml import etree  # noqa: PLC0415
    except ImportError as exc:
        raise missing_extra("xml", exc) from None


def parse_xml(content: bytes) -> etree._Element:
    """Parse an XML response safely; DataError with a one-line reason when it is malformed."""
    _require_lxml()
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "empty document"
        raise DataError(f"the response is not well-formed XML: {reason}") from None
    if root is None:
        raise DataError("the response is not well-formed XML: no root element")
    return root


def _local(name: Any) -> str:
    return etree.QName(name).localname if isinstance(name, str) and name.startswith("{") else name


def _text(value: str | None) -> str | None:
    """A leaf's text as given, or None when it is empty or only whitespace."""
    if value is None or not value.strip():
        return None
    return value


def element_value(element: etree._Element) -> Any:
    """An element as a record value: a string, None, or a dict (see the module docstring)."""
    children = [child for child in element if isinstance(child.tag, str)]
    if not children and not element.attrib:
        return _text(element.text)
    result: dict[str, Any] = {f"@{_local(k)}": str(v) for k, v in element.attrib.items()}
    for child in children:
        key = _local(child.tag)
        value = element_value(child)
        if key not in result:
            result[key] = value
        elif isinstance(result[key], list):  # element values are never lists themselves
            result[key].append(value)
        else:
            result[key] = [result[key], value]
    pieces = [element.text or ""] + [child.tail or "" for child in element]
    text = " ".join(piece.strip() for piece in pieces if piece.strip())
    if text:
        result["#text"] = text
    return result


def _plain(value: Any) -> Any:
    """An XPath result as plain Python: elements converted, str, integral floats as int."""
    if isinstance(value, etree._Element):
        return element_value(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        return str(value)
    return value


class CompiledXPath:
    """An XPath compiled once; `records` turns matched elements into dicts."""

    __slots__ = ("_xpath", "field", "path")

    def __init__(self, path: str, xpath: etree.XPath, *, field: str) -> None:
        self.path = path
        self.field = field
        self._xpath = xpath

    def __repr__(self) -> str:
        return f"CompiledXPath({self.path!r})"

    def _evaluate(self, root: etree._Element) -> list[Any]:
        try:
            result = self._xpath(root)
        except etree.XPathEvalError as exc:
            raise DataError(f"{self.field} {self.path!r} could not be applied: {exc}") from None
        return result if isinstance(result, list) else [result]

    def find(self, root: etree._Element) -> list[Any]:
        """Matched values: element text (or a dict for an element with children or
        attributes), attribute and text() values as strings, XPath numbers and booleans."""
        return [_plain(item) for item in self._evaluate(root)]

    def records(self, root: etree._Element) -> list[dict[str, Any]]:
        """One record per match: a dict for an element with children or attributes,
        `{"value": text}` for a leaf, a text node or an attribute; empty leaves are skipped."""
        records: list[dict[str, Any]] = []
        for item in self._evaluate(root):
            value = _plain(item)
            if isinstance(value, dict):
                records.append(value)
            elif value is not None:
                records.append({"value": value})
        return records


def compile_xpath(path: str, *, field: str = "data_path") -> CompiledXPath:
    """Compile an XPath; ConfigError naming `field` and the path when it is not valid."""
    text = path.strip()
    if not text:
        raise ConfigError(f"{field} is empty; give an XPath such as {EXAMPLE}")
    _require_lxml()
    try:
        xpath = etree.XPath(text, smart_strings=False)
    except ValueError:  # lxml refuses control characters and NUL before parsing
        raise ConfigError(
            f"{field} {path!r} holds control characters; example: {EXAMPLE}"
        ) from None
    except etree.XPathSyntaxError as exc:
        raise ConfigError(
            f"{field} {path!r} is not valid XPath: {exc}; example: {EXAMPLE}"
        ) from None
    return CompiledXPath(text, xpath, field=field)
