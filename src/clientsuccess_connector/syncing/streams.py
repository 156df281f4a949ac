"""Which streams a run reads: a flow file's sources, or the default streams, narrowed by name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.default_streams import default_sources
from clientsuccess_connector.read.endpoint import SourceSpec

if TYPE_CHECKING:
    from clientsuccess_connector.config.flow import Flow


def select_sources(flow: Flow | None, streams: Iterable[str] = ()) -> dict[str, SourceSpec]:
    """The flow's sources (or the default streams), narrowed to `streams` when given."""
    available = dict(flow.sources) if flow and flow.sources else default_sources()
    if flow is not None:  # the flow's `templates:` corrections apply to default streams too
        available = {name: flow.with_templates(spec) for name, spec in available.items()}
    wanted = list(streams)
    if not wanted:
        return available
    unknown = [s for s in wanted if s not in available]
    if unknown:
        raise ConfigError(
            f"unknown stream(s) {', '.join(unknown)}; available: {', '.join(available)}"
        )
    return {name: available[name] for name in wanted}
