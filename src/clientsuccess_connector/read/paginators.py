"""The paginator for a pagination spec: one registry over the generic paginators of
`pagination.py` and the keyset paginator of the incremental reads, which builds on them."""

from __future__ import annotations

from typing import Any

from clientsuccess_connector.read.incremental.keyset import KeysetPaginator
from clientsuccess_connector.read.pagination import (
    AutoPaginator,
    CursorPaginator,
    EnvelopePaginator,
    LinkHeaderPaginator,
    NextUrlPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    Paginator,
)
from clientsuccess_connector.read.pagination_config import (
    AutoPagination,
    CursorPagination,
    EnvelopePagination,
    KeysetPagination,
    LinkHeaderPagination,
    NextUrlPagination,
    OffsetPagination,
    PageNumberPagination,
    PaginatorConfig,
)
from clientsuccess_connector.read.run import ReadRun

# The registry: the paginator of each pagination type (see pagination_config.CONFIGS).
PAGINATORS: dict[type[PaginatorConfig], type[Paginator[Any]]] = {
    AutoPagination: AutoPaginator,
    EnvelopePagination: EnvelopePaginator,
    PageNumberPagination: PageNumberPaginator,
    OffsetPagination: OffsetPaginator,
    CursorPagination: CursorPaginator,
    NextUrlPagination: NextUrlPaginator,
    LinkHeaderPagination: LinkHeaderPaginator,
    KeysetPagination: KeysetPaginator,
    PaginatorConfig: Paginator,
}


def make_paginator(config: PaginatorConfig, run: ReadRun | None = None) -> Paginator[Any]:
    """A fresh paginator for one request series of `run`."""
    return PAGINATORS[type(config)](config, run)
