"""One-record requests: the record at a position of a search, and how many records it matches.

Window planning reads the timestamps at evenly spaced positions; the proofs of a read ask how
many records a filter matches. Both are a page of one record, and both count in the stream's
request statistics like any page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.pagination import Page
from clientsuccess_connector.read.pagination_config import EnvelopePagination
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.read.run import ReadRun


def record_at(
    reader: Reader,
    source: Source,
    query: Mapping[str, Any],
    run: ReadRun,
    position: int | None = None,
) -> Page:
    """The page of one record at `position` (the first when None) of the search `query`."""
    one = EnvelopePagination(page_size=1)
    if position is not None:
        one = replace(one, start_page=position)
    return reader.first_page(replace(source, pagination=one), run, query_overrides=query)


def count_matching(
    reader: Reader, source: Source, query: Mapping[str, Any], run: ReadRun
) -> int | None:
    """How many records the search `query` matches now (None: the server does not say)."""
    return envelope().total_elements(record_at(reader, source, query, run).document)
