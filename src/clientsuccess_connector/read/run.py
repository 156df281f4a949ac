"""`ReadRun`: the run-time context of one read, passed whole instead of keyword by keyword.

A paginator config (read/pagination_config.py) says how a source pages and stays a frozen,
comparable spec. Whatever belongs to one run travels here instead: the request statistics, the
callbacks that see each page, the progress observer, the series deadline, and for incremental
reads what is learnt while reading (the server's facts, the trail of numbered keyset pages, the
fields naming a record) and where a resumed read starts. A reader, a paginator, a probe, a
keyset window and an incremental read all take one `ReadRun`; a pass that needs its own page
callback or trail takes a copy made with `but(...)`, which shares everything else (the same
statistics, the same facts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from clientsuccess_connector.read.incremental.keyset_trail import KeysetTrail
from clientsuccess_connector.read.incremental.server_facts import ServerFacts

if TYPE_CHECKING:
    from clientsuccess_connector.connection import ConnectionStats, SeriesDeadline
    from clientsuccess_connector.read.page import Page
    from clientsuccess_connector.read.progress import PassObserver


@dataclass(slots=True, kw_only=True)
class ReadRun:
    """One run of a read: mutable, shared by the passes, windows and probes of a stream."""

    stats: ConnectionStats | None = None
    """Counts this read's requests and retries."""
    on_page: Callable[[Page], None] | None = None
    """Sees each page as fetched, with its document (from several threads; the first first)."""
    observer: PassObserver | None = None
    """Hears the totals announced, each page's record count and each pass begun."""
    series: SeriesDeadline | None = None
    """When every page must be read by; None: each read of a source starts its own."""
    facts: ServerFacts = field(default_factory=ServerFacts)
    """What is stated, learnt or assumed about the server (incremental reads)."""
    trail: KeysetTrail = field(default_factory=KeysetTrail)
    """The keyset pages asked by number instead of by a step (a count must prove them)."""
    identity: tuple[str, ...] = ()
    """The fields naming a record (its primary key), to find records again across pages."""
    skip_pages: int = 0
    """Pages to skip after the first: a resumed read begins where an interrupted one left."""
    concurrent: bool = True
    """Fetch the pages after the first concurrently when the first gives their count."""
    notes: list[str] = field(default_factory=list)
    """What the run's summary should say (a clock far off, records without a stamp, ...)."""

    def but(self, **changes: Any) -> ReadRun:
        """A copy with `changes`, sharing everything else (statistics, facts, notes)."""
        return replace(self, **changes)

    def begin_pass(self) -> None:
        """Tell the observer a new pass over the stream begins."""
        if self.observer is not None:
            self.observer.begin_pass()
