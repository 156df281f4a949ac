"""The flow file the studio reads and saves: the same YAML the CLI reads."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from clientsuccess_connector.config.flow import Flow, LookupSpec, load_flow, parse_flow
from clientsuccess_connector.config.yaml_file import load_yaml, read_flow_text
from clientsuccess_connector.credentials import ENVIRONMENT
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.endpoint import resolve
from clientsuccess_connector.studio.services.common import DEFAULT_DESTINATION


class FlowFile:
    """The flow file the studio reads and saves: the same YAML the CLI reads."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def label(self) -> str:
        """The path as the user gave it (relative to the working folder when inside it)."""
        try:
            return str(self.path.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(self.path)

    def raw(self) -> dict[str, Any]:
        """The document as written (`${VAR}` left as is); empty when the file does not exist."""
        if not self.path.exists():
            return {}
        doc = load_yaml(read_flow_text(self.path), f"flow file {self.path}") or {}
        if not isinstance(doc, dict):
            raise ConfigError(f"flow file {self.path}: expected a mapping of keys to values")
        return doc

    def load(self) -> Flow:
        """The validated flow (an empty one when the file does not exist yet)."""
        if not self.path.exists():
            return Flow(self.path)
        return load_flow(self.path)

    def destination(self) -> str:
        return self.load().destination or DEFAULT_DESTINATION

    def with_lookups(self, names: Sequence[str]) -> Flow:
        """This flow plus stream lookups for `names` not declared yet (for a Test)."""
        flow = self.load()
        lookups: dict[str, LookupSpec] = dict(flow.lookups)
        for name in names:
            lookups.setdefault(name, LookupSpec(name, stream=name))
        return dataclasses.replace(flow, lookups=lookups)

    def add_source(
        self,
        name: str,
        entry: Mapping[str, Any],
        lookups: Sequence[str],
        credential: str | None = None,
    ) -> Flow:
        """Validate and save a new source (and the stream lookups it uses); the saved flow.

        The chosen credential becomes the flow's `connection: credential:` unless it names one
        already, so `sync --flow FILE` later reads with the same credential."""
        if not name.strip():
            raise ConfigError("Source name is empty; give the source a name such as notes")
        doc = self.raw()
        sources = dict(doc.get("sources") or {})
        if name in sources:
            raise ConfigError(f"a source named {name!r} is already in {self.path}; pick another")
        sources[name] = dict(entry)
        doc["sources"] = sources
        if lookups:
            declared = dict(doc.get("lookups") or {})
            for lookup in lookups:
                declared.setdefault(lookup, {"stream": lookup})
            doc["lookups"] = declared
        connection = dict(doc.get("connection") or {})
        if credential and credential != ENVIRONMENT:
            connection.setdefault("credential", credential)
            doc["connection"] = connection
        flow = parse_flow(doc, path=self.path, env=os.environ)  # the CLI's own validation
        resolve(flow.source(name))
        self._save(doc)
        return flow

    def _save(self, doc: Mapping[str, Any]) -> None:
        text = yaml.safe_dump(dict(doc), sort_keys=False, allow_unicode=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".flow-", suffix=".yaml")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(self.path)
