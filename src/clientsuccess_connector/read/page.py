"""One request of a series and the page it brought back: what paginators, readers and a
read's page callbacks pass around."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One HTTP request of a series, before credentials are added."""

    method: str
    url: str
    params: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def with_params(self, **params: Any) -> PageRequest:
        """A copy with these query parameters set."""
        return replace(self, params={**self.params, **params})


@dataclass(slots=True)
class Page:
    """One response: its parsed document and how many records the data path found."""

    response: httpx.Response
    document: Any
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        """How many records the data path found on this page."""
        return len(self.records)
