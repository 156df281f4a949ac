"""Reading a flow file's YAML safely: a size cap, aliases bounded, no Python objects.

A YAML alias (`*name`) repeats an anchored node without copying it, so a few hundred bytes of
nested aliases stand for billions of values: every later walk over the document would take
minutes and gigabytes. The composed node graph is measured before anything is built from it,
and a document that expands past `MAX_VALUES` values (or aliases itself in a loop) is refused.
`safe_load` semantics are kept: tags such as `!!python/object` are refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from clientsuccess_connector.errors import ConfigError

MAX_FLOW_BYTES = 2 * 1024 * 1024  # far above any real flow file (they are a few KB)
MAX_VALUES = 100_000  # scalars, lists and mappings after aliases are expanded
MAX_DEPTH = 100  # nesting of lists and mappings


def read_flow_text(path: Path) -> str:
    """The text of a flow file, or a ConfigError (missing, too large, not UTF-8)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FLOW_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"flow file {path} does not exist; create one with `init`") from None
    except OSError as exc:
        raise ConfigError(f"cannot read flow file {path}: {exc.strerror}") from None
    if len(data) > MAX_FLOW_BYTES:
        raise ConfigError(
            f"flow file {path} is larger than {MAX_FLOW_BYTES // (1024 * 1024)} MB; "
            "a flow file holds settings, not data: put records in an input file"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"flow file {path} is not UTF-8 text") from None


def load_yaml(text: str, label: str) -> Any:
    """`text` parsed like `yaml.safe_load`, refused when aliases expand it past the limits."""
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node, label)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{label}: {problem}{where}") from None
    except RecursionError:
        raise ConfigError(f"{label}: nested too deeply; a flow file needs a few levels") from None
    finally:
        if loader is not None:
            loader.dispose()


def _check_size(root: yaml.Node, label: str) -> None:
    """Count the values `root` expands to, each shared (aliased) node once per use."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise ConfigError(f"{label}: a YAML alias refers to itself; write the values out")
        if depth > MAX_DEPTH:
            raise ConfigError(
                f"{label}: nested more than {MAX_DEPTH} levels deep; a flow file needs a few"
            )
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        open_nodes.discard(key)
        if total > MAX_VALUES:
            raise ConfigError(
                f"{label}: YAML aliases (*name) expand this file past {MAX_VALUES:,} values; "
                "write the repeated values out instead of nesting aliases"
            )
        sizes[key] = total
        return total

    size(root, 0)
