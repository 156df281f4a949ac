"""Path suggestions from a sample response: ranked data paths and metadata paths.

JSON ranking (data): a ClientSuccess search envelope's `$.data[*]` first; then arrays that are
not inside another array (arrays of objects, then arrays of scalars, then empty arrays); then
arrays found inside records (such as `$.data[*].items[*]`); then single objects. Within a
group, more records first, then shallower paths. XML ranking: repeated sibling elements (or the
only child of a list-like container) first, then single elements that have children.
Metadata candidates are scalars outside the best data path (`$.totalElements`, `$.page`, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.extract.document import Format, parse_document
from clientsuccess_connector.extract.jsonpath import compile_path
from clientsuccess_connector.extract.xpath import compile_xpath

if TYPE_CHECKING:  # the [xml] extra, imported where parsed XML arrives
    from lxml import etree

__all__ = ["PathSuggestion", "Suggestions", "json_key_path", "suggest_paths"]

MAX_DEPTH = 12
MAX_SUGGESTIONS = 25
# Besides the ClientSuccess search envelope (catalog/envelope.py), Spring-style pages.
OTHER_DATA_KEYS = ("content",)
OTHER_PAGING_KEYS = frozenset({"first", "number"})
# Metadata keys most people want, shown first; the rest follow in document order.
OTHER_PREFERRED_METADATA = ("total", "count")

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class PathSuggestion:
    """One candidate path, the number of records (or values) it yields, and what it is."""

    path: str
    records: int
    description: str


@dataclass(frozen=True, slots=True)
class Suggestions:
    """Ranked candidates, best first: `data` paths and `metadata` paths."""

    format: Format
    data: list[PathSuggestion] = field(default_factory=list)
    metadata: list[PathSuggestion] = field(default_factory=list)

    @property
    def best(self) -> PathSuggestion | None:
        """The top data path, or None when the response has nothing to suggest."""
        return self.data[0] if self.data else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for `paths --json`)."""
        return {
            "format": self.format,
            "data": [_as_dict(s) for s in self.data],
            "metadata": [_as_dict(s) for s in self.metadata],
        }


def _as_dict(suggestion: PathSuggestion) -> dict[str, Any]:
    return {
        "path": suggestion.path,
        "records": suggestion.records,
        "description": suggestion.description,
    }


def suggest_paths(content: bytes, content_type: str | None = None) -> Suggestions:
    """Suggest data and metadata paths for a sample response (DataError if not JSON/XML)."""
    kind, document = parse_document(content, content_type)
    if kind == "xml":
        return _suggest_xml(document)
    return _suggest_json(document)


# --- JSON -------------------------------------------------------------------------------


def json_key_path(parent: str, key: str) -> str:
    """`parent.key`, or `parent['key']` (escaped) when the key is not a plain identifier."""
    if _IDENTIFIER.match(key):
        return f"{parent}.{key}"
    escaped = []
    for char in key:
        if char in "\\'":
            escaped.append("\\" + char)
        elif ord(char) < 0x20:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return f"{parent}['{''.join(escaped)}']"


@dataclass(slots=True)
class _Found:
    arrays: dict[str, bool] = field(default_factory=dict)  # path -> nested inside an array
    objects: list[str] = field(default_factory=list)  # objects outside any array


def _walk_json(node: Any, path: str, depth: int, nested: bool, found: _Found) -> None:
    if depth > MAX_DEPTH:
        return
    if isinstance(node, dict):
        if not nested and path not in found.objects:
            found.objects.append(path)
        for key, value in node.items():
            if isinstance(value, dict | list):
                _walk_json(value, json_key_path(path, str(key)), depth + 1, nested, found)
    elif isinstance(node, list):
        array_path = f"{path}[*]"
        found.arrays.setdefault(array_path, nested)
        for element in node:
            if isinstance(element, dict | list):
                _walk_json(element, array_path, depth + 1, True, found)


def _envelope_keys() -> tuple[tuple[str, ...], frozenset[str]]:
    """The keys of a page's records, and keys that say a document is a page."""
    env = envelope()
    paging = {env.last_key, env.page_key, env.size_key, env.total_pages_key}
    return (env.data_key, *OTHER_DATA_KEYS), frozenset({env.total_elements_key, *paging})


def _preferred_metadata() -> tuple[str, ...]:
    env = envelope()
    return (env.total_elements_key, env.total_pages_key, *OTHER_PREFERRED_METADATA,
            env.page_key, env.size_key)  # fmt: skip


def _is_envelope(document: Any) -> str | None:
    data_keys, paging_keys = _envelope_keys()
    if not isinstance(document, dict) or not (paging_keys | OTHER_PAGING_KEYS) & document.keys():
        return None
    for key in data_keys:
        if isinstance(document.get(key), list):
            return f"$.{key}[*]"
    return None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _suggest_json(document: Any) -> Suggestions:
    found = _Found()
    _walk_json(document, "$", 0, False, found)
    envelope = _is_envelope(document)
    ranked: list[tuple[tuple[int, int, int, str], PathSuggestion]] = []
    for path, nested in found.arrays.items():
        matches = compile_path(path).find(document)
        count = len(compile_path(path).records(document))
        objects = sum(isinstance(m, dict) for m in matches)
        depth = path.count("[*]") + path.count(".") + path.count("['")
        if path == envelope:
            tier, text = 0, f"array of {_plural(count, 'record')} (ClientSuccess search envelope)"
        elif objects and objects * 2 >= len(matches):
            tier, text = (3 if nested else 1), f"array of {_plural(count, 'object')}"
        elif matches:
            tier, text = (4 if nested else 2), f"array of {_plural(count, 'value')}"
        else:
            tier, text = (5 if nested else 2), "empty array"
        if nested:
            text += " inside records"
        ranked.append(((tier, -count, depth, path), PathSuggestion(path, count, text)))
    for path in found.objects:
        depth = path.count(".") + path.count("['")
        ranked.append(((6, -1, depth, path), PathSuggestion(path, 1, "one object (one record)")))
    ranked.sort(key=lambda item: item[0])
    data = [suggestion for _, suggestion in ranked][:MAX_SUGGESTIONS]
    best = data[0].path if data else None
    return Suggestions("json", data, _json_metadata(document, best))


def _describe_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, list):
        return f"list of {_plural(len(value), 'value')}"
    text = str(value)
    return f"string {text[:40]!r}" + ("..." if len(text) > 40 else "")


def _json_metadata(document: Any, data_path: str | None) -> list[PathSuggestion]:
    """Scalars (and lists of scalars) reachable through objects, outside the data path."""
    excluded = data_path.removesuffix("[*]") if data_path else None
    if excluded == "$" or not isinstance(document, dict):
        return []
    found: list[tuple[str, Any]] = []

    def walk(node: dict[str, Any], path: str, depth: int) -> None:
        for key, value in node.items():
            child = json_key_path(path, str(key))
            if child == excluded or depth > MAX_DEPTH:
                continue
            if isinstance(value, dict):
                walk(value, child, depth + 1)
            elif not isinstance(value, list) or not any(isinstance(v, dict | list) for v in value):
                found.append((child, value))

    walk(document, "$", 0)

    preferred = _preferred_metadata()

    def rank(item: tuple[str, Any]) -> int:
        key = item[0].rsplit(".", 1)[-1]
        return preferred.index(key) if key in preferred else len(preferred)

    found.sort(key=rank)
    return [PathSuggestion(path, 1, _describe_scalar(value)) for path, value in found][
        :MAX_SUGGESTIONS
    ]


# --- XML --------------------------------------------------------------------------------


def _xml_step(element: etree._Element) -> str:
    from lxml import etree  # noqa: PLC0415

    qname = etree.QName(element)
    if qname.namespace:
        return f"*[local-name()='{qname.localname}']"
    return qname.localname


def _children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _record_like(element: etree._Element) -> bool:
    """Has attributes, a leaf child, or several kinds of children: it looks like a record."""
    children = _children(element)
    if element.attrib or any(not _children(child) for child in children):
        return bool(children) or bool(element.attrib)
    return len({child.tag for child in children}) > 1


def _suggest_xml(root: etree._Element) -> Suggestions:
    from lxml import etree  # noqa: PLC0415

    repeated: dict[str, bool] = {}  # path -> nested inside a repeated element
    objects: list[str] = []
    leaves: list[str] = []
    attributes: list[str] = []

    def walk(element: etree._Element, path: str, depth: int, nested: bool) -> None:
        if depth > MAX_DEPTH:
            return
        children = _children(element)
        if not nested:
            attributes.extend(f"{path}/@{etree.QName(name).localname}" for name in element.attrib)
            if not children and not element.attrib:
                leaves.append(path)
            elif path not in objects:
                objects.append(path)
        steps = [_xml_step(child) for child in children]
        container = len(set(steps)) == 1  # <data><item/>...</data>: even one item is a list
        for child, step in zip(children, steps, strict=True):
            child_path = f"{path}/{step}"
            if steps.count(step) > 1 or (container and _record_like(child)):
                repeated.setdefault(child_path, nested)
                walk(child, child_path, depth + 1, True)
            else:
                walk(child, child_path, depth + 1, nested)

    root_path = "/" + _xml_step(root)
    walk(root, root_path, 0, False)
    ranked: list[tuple[tuple[int, int, int, str], PathSuggestion]] = []
    for path, nested in repeated.items():
        count = len(compile_xpath(path).records(root))
        text = f"list of {_plural(count, 'element')}" + (" inside records" if nested else "")
        ranked.append(
            ((2 if nested else 1, -count, path.count("/"), path), PathSuggestion(path, count, text))
        )
    for path in objects:
        if path in repeated:
            continue
        ranked.append(
            ((3, -1, path.count("/"), path), PathSuggestion(path, 1, "one element (one record)"))
        )
    ranked.sort(key=lambda item: item[0])
    data = [suggestion for _, suggestion in ranked][:MAX_SUGGESTIONS]
    best = data[0].path if data else None
    metadata: list[PathSuggestion] = []
    for path in leaves + attributes:
        if best and (path == best or path.startswith(best + "/")):
            continue
        values = compile_xpath(path, field="metadata_path").find(root)
        shown = values[0] if len(values) == 1 else values
        metadata.append(PathSuggestion(path, len(values), _describe_scalar(shown)))
    return Suggestions("xml", data, metadata[:MAX_SUGGESTIONS])
