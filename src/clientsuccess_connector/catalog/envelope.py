"""The ClientSuccess search envelope: paging parameters, answer keys, time filter and sort.

Every search template pages with a zero-based page number and a size, answers
`{"data": [...], "totalElements": ..., "totalPages": ..., "last": ...}`, filters with
`modifiedAfter` and sorts with `sortBy`/`sortDirection`. The names live in templates.yaml
(`envelope:`); this module is the one place the code reads them, so when the real API turns out
to differ, one edit fixes the reader, sync, recovery, path suggestions and the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SearchEnvelope:
    """Names of the search envelope's parameters and answer keys."""

    page_param: str
    size_param: str
    first_page: int
    data_key: str
    total_elements_key: str
    total_pages_key: str
    last_key: str
    page_key: str
    size_key: str
    modified_after_param: str
    sort_by_param: str
    sort_direction_param: str
    ascending: str

    @property
    def data_path(self) -> str:
        """The JSONPath of a page's records."""
        return f"$.{self.data_key}[*]"

    @property
    def answer_keys(self) -> frozenset[str]:
        """Keys that mark an answer as a search page (for auto-detection)."""
        return frozenset({self.data_key, self.total_pages_key, self.last_key})

    def is_page(self, document: Any) -> bool:
        """True when `document` is a search page: an object holding a `data` list."""
        return isinstance(document, dict) and isinstance(document.get(self.data_key), list)

    def records(self, document: Any) -> list[Any]:
        """The page's records (empty for anything that is not a search page)."""
        return list(document[self.data_key]) if self.is_page(document) else []

    def total_elements(self, document: Any) -> int | None:
        """How many records the whole search matches, when the page says."""
        return _int(document, self.total_elements_key)

    def total_pages(self, document: Any) -> int | None:
        """How many pages the whole search has, when the page says."""
        return _int(document, self.total_pages_key)

    def is_last(self, document: Any) -> bool:
        """True when the page says it is the last one."""
        return isinstance(document, dict) and document.get(self.last_key) is True

    def page_params(self, number: int, size: int) -> dict[str, int]:
        """Query parameters asking for page `number` of `size` records."""
        return {self.page_param: number, self.size_param: size}

    def ascending_by(self, field: str) -> dict[str, str]:
        """Query parameters sorting ascending on `field`."""
        return {self.sort_by_param: field, self.sort_direction_param: self.ascending}


def _int(document: Any, key: str) -> int | None:
    value = document.get(key) if isinstance(document, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
