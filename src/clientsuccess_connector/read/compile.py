"""Compile a run's sources before anything is sent: the step `validate` runs without sending.

Each source compiles into its request plan (`endpoint.resolve`), the lookups the plans use are
ordered (`chain.plan_lookups`: undeclared lookups and cycles refused). `sync` and `validate`
call this, so a flow that `validate` accepts is not refused by `sync` before its first request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clientsuccess_connector.read.chain import LookupStep, plan_lookups
from clientsuccess_connector.read.endpoint import Source, SourceSpec, resolve

if TYPE_CHECKING:
    from clientsuccess_connector.config.flow import Flow

__all__ = ["CompiledRun", "compile_sources"]


@dataclass(frozen=True, slots=True)
class CompiledRun:
    """The sources of a run, compiled, and the lookups they need in the order to load them."""

    sources: dict[str, Source]
    lookups: list[LookupStep]


def compile_sources(flow: Flow | None, specs: Mapping[str, SourceSpec]) -> CompiledRun:
    """Every source's plan and the lookup plan; the first ConfigError a run would raise."""
    sources = {name: resolve(spec) for name, spec in specs.items()}
    return CompiledRun(sources, plan_lookups(flow, sources.values()))
