"""Path to Data for JSON responses: compiled JSONPath with a fast path for simple paths.

Most data paths are simple chains such as `$.data[*]`. Those are walked with plain dict and
list access (about 50x faster than the general engine); anything else is compiled once with
the `python-jsonpath` package. Both give the same results (a property test checks it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from clientsuccess_connector.errors import ConfigError, DataError

__all__ = ["CompiledPath", "compile_path", "records_from_matches"]

_WILDCARD = None  # a step that is None selects every child of a list or object
_Step = str | None

# `$` then any number of `.name`, `.*`, `[*]`, `['name']` or `["name"]` segments.
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_SEGMENT = re.compile(rf"\.({_NAME})|\.\*|\[\*\]|\['([^'\\]*)'\]|\[\"([^\"\\]*)\"\]")

EXAMPLE = "$.data[*]"


def _simple_steps(path: str) -> tuple[_Step, ...] | None:
    """The steps of a simple path, or None when the general engine is needed."""
    if not path.startswith("$"):
        return None
    steps: list[_Step] = []
    position = 1
    while position < len(path):
        match = _SEGMENT.match(path, position)
        if match is None:
            return None
        name = match.group(1)
        if name is None:
            name = match.group(2) if match.group(2) is not None else match.group(3)
        steps.append(name)
        position = match.end()
    return tuple(steps)


def _walk(document: Any, steps: tuple[_Step, ...]) -> list[Any]:
    """Apply name and wildcard steps with RFC 9535 semantics (no implicit array traversal)."""
    nodes: list[Any] = [document]
    for step in steps:
        if step is _WILDCARD:
            children: list[Any] = []
            for node in nodes:
                if isinstance(node, list):
                    children.extend(node)
                elif isinstance(node, dict):
                    children.extend(node.values())
            nodes = children
        else:
            nodes = [node[step] for node in nodes if isinstance(node, dict) and step in node]
    return nodes


def records_from_matches(matches: list[Any]) -> list[dict[str, Any]]:
    """Nexla's record rule: a list contributes its elements, an object is one record,
    a scalar becomes `{"value": x}`; nulls (matched or inside a matched list) are skipped."""
    records: list[dict[str, Any]] = []
    for match in matches:
        if isinstance(match, dict):
            records.append(match)
        elif isinstance(match, list):
            for element in match:
                if isinstance(element, dict):
                    records.append(element)
                elif element is not None:
                    records.append({"value": element})
        elif match is not None:
            records.append({"value": match})
    return records


class CompiledPath:
    """A JSONPath compiled once; `find` returns matches, `records` the records they make."""

    __slots__ = ("_find", "field", "is_simple", "path")

    def __init__(self, path: str, find: Callable[[Any], list[Any]], *, simple: bool, field: str):
        self.path = path
        self.field = field
        self.is_simple = simple
        self._find = find

    def __repr__(self) -> str:
        return f"CompiledPath({self.path!r})"

    def find(self, document: Any) -> list[Any]:
        """Every value the path matches, in document order ([] when nothing matches)."""
        return self._find(document)

    def records(self, document: Any) -> list[dict[str, Any]]:
        """The records the path yields (see `records_from_matches`); object records are
        the document's own dicts, not copies, so adding `_metadata` costs nothing."""
        return records_from_matches(self._find(document))


@lru_cache(maxsize=512)
def compile_path(path: str, *, field: str = "data_path") -> CompiledPath:
    """Compile a JSONPath once; ConfigError naming `field` and the path when it is not valid."""
    text = path.strip()
    if not text:
        raise ConfigError(f"{field} is empty; give a JSONPath such as {EXAMPLE}")
    steps = _simple_steps(text)
    if steps is not None:
        simple_steps = steps
        return CompiledPath(text, lambda doc: _walk(doc, simple_steps), simple=True, field=field)
    import jsonpath  # noqa: PLC0415 (the general engine loads only for a path that needs it)

    try:
        compiled = jsonpath.compile(text)
    except jsonpath.JSONPathError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"{field} {path!r} is not valid JSONPath: {reason}; example: {EXAMPLE}"
        ) from None

    def find(document: Any) -> list[Any]:
        if isinstance(document, str | bytes):
            # The library would parse a str as JSON text; a string value has no children,
            # so a non-simple path (filter, slice, descendant...) never matches inside it.
            return []
        try:
            return list(compiled.findall(document))
        except jsonpath.JSONPathError as exc:
            raise DataError(
                f"{field} {text!r} could not be applied to the response: {exc}"
            ) from None

    return CompiledPath(text, find, simple=False, field=field)
