"""Chained calls: the lookups a run needs, in the order they can be read, cycles refused.

A source using `{LOOKUP.COLUMN}` needs that lookup. A lookup over a stream (`{stream: S}`)
needs S's records, and S may itself use lookups: `clients -> contacts ({c.id}) -> get_contact
({cc.uuid})` is a chain of two. The plan is a topological order over the lookups (each after
every lookup its stream uses), computed before any request; a cycle, such as a stream whose
lookup reads the stream itself, is a ConfigError naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read import macros
from clientsuccess_connector.read.default_streams import default_sources
from clientsuccess_connector.read.endpoint import Source, resolve
from clientsuccess_connector.read.lookups import undeclared_lookup

if TYPE_CHECKING:
    from clientsuccess_connector.config.flow import Flow, LookupSpec

__all__ = ["LookupStep", "plan_lookups", "referenced_columns"]


@dataclass(frozen=True, slots=True)
class LookupStep:
    """One lookup to load: its declaration, the columns the run uses, and the stream to read
    for it (None for a file)."""

    spec: LookupSpec
    columns: tuple[str, ...]
    stream: Source | None = None

    @property
    def name(self) -> str:
        """The lookup's name, as macros write it."""
        return self.spec.name


def referenced_columns(sources: Iterable[Source]) -> dict[str, set[str]]:
    """Lookup name -> the columns the sources' macros use."""
    needed: dict[str, set[str]] = {}
    for source in sources:
        for lookup, column in macros.lookup_refs(*source.macro_texts()):
            needed.setdefault(lookup, set()).add(column)
    return needed


def plan_lookups(flow: Flow | None, sources: Iterable[Source]) -> list[LookupStep]:
    """Every lookup the sources need, directly or through lookup streams, each after the
    lookups its own stream uses. ConfigError for an undeclared lookup or a cycle."""
    return _Planner(flow).plan(list(sources))


class _Planner:
    """Depth-first over lookups: a lookup is placed once every lookup it needs is placed."""

    def __init__(self, flow: Flow | None) -> None:
        self.flow = flow
        self.declared: Mapping[str, LookupSpec] = flow.lookups if flow is not None else {}
        self.columns: dict[str, set[str]] = {}
        self.streams: dict[str, Source] = {}  # stream name -> resolved, read once
        self.order: list[str] = []
        self.path: list[str] = []  # lookups being placed, outermost first

    def plan(self, sources: list[Source]) -> list[LookupStep]:
        for source in sources:
            self._need(referenced_columns([source]), f"source {source.name!r}")
        steps = []
        for name in self.order:
            spec = self.declared[name]
            stream = self.streams[spec.stream] if spec.stream is not None else None
            steps.append(LookupStep(spec, tuple(sorted(self.columns[name])), stream))
        return steps

    def _need(self, refs: Mapping[str, set[str]], where: str) -> None:
        for name, columns in sorted(refs.items()):
            if name not in self.declared:
                raise undeclared_lookup(name, self.declared, where)
            self.columns.setdefault(name, set()).update(columns)
            self._place(name)

    def _place(self, name: str) -> None:
        if name in self.path:
            raise self._cycle(self.path[self.path.index(name) :])
        if name in self.order:
            return
        spec = self.declared[name]
        if spec.stream is not None:
            self.path.append(name)
            stream = self._stream(spec.stream)
            self._need(referenced_columns([stream]), f"stream {spec.stream!r} (lookup {name!r})")
            self.path.pop()
        self.order.append(name)

    def _stream(self, name: str) -> Source:
        if name not in self.streams:
            specs = {**default_sources(), **(self.flow.sources if self.flow else {})}
            spec = self.flow.with_templates(specs[name]) if self.flow else specs[name]
            self.streams[name] = resolve(spec)
        return self.streams[name]

    def _cycle(self, loop: list[str]) -> ConfigError:
        """The error naming the cycle, told from its first lookup by name (`c -> cc -> c`)."""
        start = loop.index(min(loop))
        names = loop[start:] + loop[:start]
        where = f"{self.flow.path}: " if self.flow is not None and self.flow.path else ""
        reads = ", ".join(f"{name} reads stream {self.declared[name].stream}" for name in names)
        names.append(names[0])
        return ConfigError(
            f"{where}lookups form a cycle: {' -> '.join(names)} ({reads}), so no order can read "
            "them; take one of them from a file (`file: PATH`) instead"
        )
