"""Edit a flow file in place: set keys of one source, keeping comments, order and the rest.

The file is read and written with ruamel.yaml's round-trip mode, so the user's comments,
key order and quoting survive. The edited text is validated as a flow before it replaces the
file (atomically, with the file's permissions), so a bad edit never leaves a broken flow.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from clientsuccess_connector.config.flow import Flow, parse_flow
from clientsuccess_connector.config.yaml_file import load_yaml
from clientsuccess_connector.errors import ConfigError


def set_source_keys(
    path: Path,
    source: str,
    values: Mapping[str, Any],
    *,
    new_source: Mapping[str, Any] | None = None,
) -> Flow:
    """Set `values` in `sources.<source>` of the flow file at `path`; the flow as saved.

    Without that source, `new_source` (its other keys) creates it; otherwise it is a
    ConfigError naming the sources there are.
    """
    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096  # never fold a long URL onto two lines
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read flow file {path}: {exc.strerror}") from None
    doc = rt.load(text) if text.strip() else CommentedMap()
    if not isinstance(doc, CommentedMap):
        raise ConfigError(f"{path}: a flow file is a mapping of keys (sources:, connection: ...)")
    sources = doc.get("sources")
    if sources is None:
        sources = doc["sources"] = CommentedMap()
    entry = sources.get(source) if isinstance(sources, Mapping) else None
    if entry is None:
        if new_source is None:
            known = ", ".join(map(str, sources or {})) or "none"
            raise ConfigError(
                f"{path}: no source named {source!r} (sources: {known}); name one of them, or "
                "give --url to add a new one"
            )
        entry = sources[source] = CommentedMap(new_source)
    if not isinstance(entry, CommentedMap):
        raise ConfigError(f"{path}: sources.{source} is not a mapping of keys")
    for key, value in values.items():
        entry[key] = value
    out = io.StringIO()
    rt.dump(doc, out)
    edited = out.getvalue()
    flow = parse_flow(load_yaml(edited, f"flow file {path}"), path=path, env=os.environ)
    _replace(path, edited)
    return flow


def _replace(path: Path, text: str) -> None:
    """Write `text` over `path` atomically, keeping the file's permission bits."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
