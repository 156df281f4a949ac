"""Incremental reads that prove what they read, on any server.

A stream with a state reads by keyset from its cursor (`windows.py`): each page is checked for
order, each keyset step for records the server dropped (learning the server's modifiedAfter
precision), and at the end the distinct records read are counted against `totalElements`.
A first run, or a server that fails those checks, reads by page number instead (concurrently
when the first page gives `totalPages`, in the server's own order, which records changed during
the read cannot shift past the reader) and then catches up with what changed since the run
started. A read that cannot be proven complete raises `IncompleteRead`: the stream fails and
its cursor stays where it was. docs/syncing.md explains why.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from clientsuccess_connector.catalog import envelope, settings
from clientsuccess_connector.read.concurrency import prefetch
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.incremental.key_tally import KeyTally
from clientsuccess_connector.read.incremental.keyset_trail import KeysetTrail
from clientsuccess_connector.read.incremental.misbehaviour import (
    IncompleteRead,
    ServerMisbehaviour,
    ShiftedPages,
    Uncounted,
)
from clientsuccess_connector.read.incremental.precision import LearnedPrecision, coarser, safe_after
from clientsuccess_connector.read.incremental.precision import floor as floor_to
from clientsuccess_connector.read.incremental.probe import count_matching, record_at
from clientsuccess_connector.read.incremental.protocol import (
    DEFAULT_OVERLAP,
    EMPTY,
    Commit,
    ReadOptions,
    ReadResult,
    Record,
    State,
)
from clientsuccess_connector.read.incremental.resume import KEY as RESUME
from clientsuccess_connector.read.incremental.resume import Checkpoint
from clientsuccess_connector.read.incremental.server_clock import ServerClock
from clientsuccess_connector.read.incremental.server_facts import ServerFacts
from clientsuccess_connector.read.incremental.windows import LowWater, plan_windows, read_windows
from clientsuccess_connector.read.pagination import Page
from clientsuccess_connector.read.pagination_config import (
    EnvelopePagination,
    keyset_on,
    page_size_of,
)
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.read.run import ReadRun
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp

__all__ = ["DEFAULT_OVERLAP", "IncrementalRead", "ReadOptions"]

CHECKPOINT_SECONDS = 1.0
"""A whole read commits what it has read at least this often, whatever the batch size, so a
run killed part way loses little: the next one resumes at the last commit (resume.py)."""
UNSTAMPED = "unstamped"
"""A state key: `pending` while a whole read by keyset has moved the cursor but not yet read
the records without a stamp, which no keyset pass reaches."""
WINDOWS_FROM = 1000
"""A run reads in several keyset windows only after one that read this many changes or more:
planning them costs a probe per window, more than a run with few changes needs in all."""
_log = logging.getLogger(__name__)
_NO_FILTER = object()  # `_witness_floor` before any pass


class _FirstPage:
    """Sees every page of a pass; keeps the first (its count proves the pass) and how many
    there were, and tells the server's clock each page's `Date`. Keeping every page would
    hold a whole stream's documents until the pass ends: twice the peak memory at 100k
    records, gigabytes at a million."""

    def __init__(self, clock: ServerClock, facts: ServerFacts) -> None:
        self.first: Page | None = None
        self.counted = False  # the first page gives `totalElements`
        self.pages = 0
        self.clock = clock
        self.facts = facts
        self._lock = threading.Lock()  # pages arrive from several threads

    def __call__(self, page: Page) -> None:
        self.clock.observe(page.response.headers.get("date"))
        with self._lock:
            first = self.first is None
            if first:  # whether it is counted is known before it is seen as the first
                self.counted = envelope().total_elements(page.document) is not None
                self.first = page
            self.pages += 1
        if first:
            self.facts.learn("counts", "exact" if self.counted else "none")


class IncrementalRead:
    """One stream's incremental read: passes, checks, and batches committed with safe state."""

    def __init__(
        self, reader: Reader, source: Source, options: ReadOptions, commit: Commit, run: ReadRun
    ) -> None:
        assert source.incremental_field is not None
        self.reader, self.source, self.options = reader, source, options
        self.field = source.incremental_field
        self.commit, self.run = commit, run
        self.started = datetime.now(UTC)
        self.server_clock = ServerClock()
        self._cursor_moved = False  # a keyset batch of this run committed a cursor
        self._read = 0  # records read by this run's passes
        self._changes_from = 0  # `_read` when the passes reading changes began
        self._sample: datetime | None = None  # a stamp read this run, for _learn_precision
        self._low: datetime | None = None  # the cursor the last keyset batch committed
        self._resume: Checkpoint | None = None  # where an interrupted first read stopped
        self._began_before: datetime | None = None  # when the read this one resumes began
        self._skew_noted = False
        self._unstamped_pending = False  # a whole keyset read's cursor moved; nulls not read yet
        self._witnessed = 0  # the most rows a pass over `_witness_floor`'s filter has read
        self._witness_floor: object = _NO_FILTER
        self._empty_before = False  # the last run's whole read found no records (EMPTY)

    @property
    def learned(self) -> LearnedPrecision:
        """The server's `modifiedAfter` unit as this read knows it (the run's facts)."""
        return self.run.facts.precision

    @property
    def notes(self) -> list[str]:
        """What the summary should say (a clock far off, records without a stamp, ...)."""
        return self.run.notes

    def read(self, state: State | None) -> ReadResult:
        """Read everything since `state`'s cursor (all of it without one)."""
        self.run.facts.remember_unit((state or {}).get("precision"))
        cursor = parse_timestamp((state or {}).get("cursor"))
        floor = None if cursor is None else cursor - self.options.overlap
        if cursor is None:
            self._resume = Checkpoint.of(state, self._page_size())
            self._empty_before = bool((state or {}).get(EMPTY))
        self._unstamped_pending = (state or {}).get(UNSTAMPED) == "pending"
        if floor is not None and cursor is not None and self._from_cursor(state, floor, cursor):
            return ReadResult(True, None, self._read)
        try:
            counted = self._counted_read(floor)
        except ServerMisbehaviour:
            if self._cursor_moved:  # by keyset batches: nothing unproven may stay behind it
                self.commit([], state if state is not None else {})
            raise
        resumed = self._began_before is not None  # the destination may hold records since gone
        if floor is None and self._read == 0 and not resumed:
            _log.info("%s: the server listed no records; no cursor is kept, so the next run "
                      "reads the stream whole again", self.source.name)  # fmt: skip
            self.commit([], self._empty_state())
        elif floor is not None and self._read == 0:
            # No change found by page number: one empty answer says the same, so the cursor
            # stays where it was and the next run asks from it again.
            self.commit([], state)
        else:
            self.commit([], self._state(self._began()))
        whole = floor is None and counted and not resumed
        return ReadResult(floor is not None, self.started if whole else None, self._read)

    def _from_cursor(self, state: State | None, floor: datetime, cursor: datetime) -> bool:
        """What changed since the cursor, by keyset; False when the server failed the checks
        (the cursor goes back to where this run started, for a read by page number)."""
        # Windows cost a probe each: worth it only after a run that found many changes.
        few = (state or {}).get("changes", WINDOWS_FROM) < WINDOWS_FROM
        try:
            self._keyset_twice(floor, cursor, 1 if few else self.options.windows)
            if self._unstamped_pending:  # the last pass of a whole read a kill stopped
                self._without_stamps(records_exist=True)  # its keyset batches moved a cursor
                self._unstamped_pending = False
                self.commit([], self._state(cursor if self._low is None else self._low))
            if self._learn_precision():
                self.commit([], self._state(cursor if self._low is None else self._low))
            return True
        except ServerMisbehaviour as exc:
            _log.info("%s: %s; reading by page number instead", self.source.name, exc)
            self.commit([], state)  # the cursor goes back to where this run started
            return False

    def _counted_read(self, floor: datetime | None) -> bool:
        """Everything after `floor` (or all), then a catch-up with what changed meanwhile;
        True when the server's count proved it."""
        counted = self._whole_or_since(floor)
        if floor is None and self._read == 0:
            if not self._empty_before:
                # An empty whole read may be one answer of an index being rebuilt: a second
                # witness must agree before the stream is taken for empty.
                _log.info("%s: the whole read found nothing; reading again", self.source.name)
                counted = self._whole_or_since(floor)
            if self._read == 0:
                return counted  # no cursor is kept (EMPTY): no catch-up is needed
        since = self._began() - self.options.overlap
        self._learn_precision()  # before the catch-up, which reaches back a unit of it
        self._changes_from = self._read  # the next run sees what the catch-up found
        try:
            self._keyset_twice(since, since, 1)
        except ServerMisbehaviour as exc:
            _log.info("%s: %s; catching up by page number", self.source.name, exc)
            counted = self._numbered_twice(since) and counted
        return counted

    def _began(self) -> datetime:
        """When this read began by the server's clock (this machine's without a `Date`): the
        cursor a complete read leaves, so that a server clock behind ours loses nothing."""
        began = self.server_clock.earliest
        if began is None:
            began = self.started
        elif abs(skew := self.started - began) > self.options.overlap and not self._skew_noted:
            self._skew_noted = True
            way = "behind" if skew > timedelta(0) else "ahead of"
            self.notes.append(
                f"the server's clock runs {abs(skew).total_seconds():,.0f} s {way} this "
                "machine's; the cursor follows the server's"
            )
        if self._began_before is not None:  # a resumed read began when the first run did
            began = min(began, self._began_before)
        return began

    # -- passes ------------------------------------------------------------------------------

    def _whole_or_since(self, floor: datetime | None) -> bool:
        """Everything after `floor` (or all) by page number; True when the server's count
        proved it. By keyset instead when the server gives no count to check page numbers
        against, or when records deleted meanwhile defeated page numbers twice (a deletion
        moves every later record back a place)."""
        try:
            return self._numbered_twice(floor)
        except Uncounted as exc:
            _log.info("%s: %s; reading by keyset instead", self.source.name, exc)
            self._unstamped_pending |= floor is None  # until their pass below has run
            stamped = self._keyset_twice(floor, floor, self.options.windows)
            if floor is None:
                self._without_stamps(records_exist=stamped > 0)
                self._unstamped_pending = False
        except IncompleteRead as exc:
            _log.info("%s: %s; reading by keyset instead", self.source.name, exc)
            try:
                self._keyset_twice(floor, floor, self.options.windows)
            except ServerMisbehaviour as again:
                raise IncompleteRead(f"{exc}; by keyset: {again}") from again
        return False

    def _learn_precision(self) -> bool:
        """Ask the server which unit it compares `modifiedAfter` in, once per stream: a
        record read this run (stamped at `t`, off a whole second) must come back from a filter
        reaching one unit before `t`; the finest unit it comes back from is the server's.
        Until this is known a cursor reaches back a whole day, and every run reads again
        everything changed since the day before. True when this run learnt it."""
        sample = self._sample
        if self.learned.verified or sample is None:
            return False
        ascending = envelope().ascending_by(self.field)
        for unit in ("ms", "second"):
            bigger = coarser(unit)
            if bigger is not None and floor_to(sample, bigger) == sample:
                return False  # on a whole unit a coarser server answers alike: no proof
            query = {**ascending, envelope().modified_after_param:
                                     format_timestamp(safe_after(sample, unit))}  # fmt: skip
            page = record_at(self.reader, self.source, query, self.run)
            first = parse_timestamp(page.records[0].get(self.field)) if page.records else None
            if first is not None and first <= sample:
                self.run.facts.learn_unit(unit)
                return True
        self.run.facts.learn_unit("day")  # neither finer unit kept it
        return True

    def _without_stamps(self, records_exist: bool) -> None:
        """The records whose cursor field is null: a keyset pass filters on the field, so it
        never reads them (a server sorts nulls last, where no step reaches). One pass over the
        unfiltered search, to its last or an empty page, keeps only those. Changing a record
        stamps it, so these do not move while the pass reads.

        No count proves the pass, and one empty answer would end it early: a pass that ends on
        an empty page after records, or finds nothing where `records_exist`, is read again,
        and believed when two passes in a row saw the same number of records (more than none
        where records exist); a third doubtful pass fails the read."""
        previous: int | None = None
        for _ in range(3):
            rows, found, cut = self._scan_without_stamps()
            doubtful = cut or (records_exist and rows == 0)
            if not doubtful or (rows == previous and (rows > 0 or not records_exist)):
                break
            _log.info("%s: the pass for records without %s ended on an empty page after %d "
                      "records; reading it again", self.source.name, self.field, rows)  # fmt: skip
            previous = rows
        else:
            raise IncompleteRead(
                f"the pass for records without {self.field} ended on an empty page after "
                f"{rows:,} records three times, not always alike; cannot prove the stream "
                "complete"
            )
        self._read += found
        if found:
            self.notes.append(
                f"{found:,} record(s) have no {self.field}: read by a pass of their own on "
                "every full read (incremental runs cannot ask for them)"
            )

    def _scan_without_stamps(self) -> tuple[int, int, bool]:
        """One pass of `_without_stamps`: records seen, records without a stamp kept, and
        whether the pass ended on an empty page after a page of records."""
        size = page_size_of(self.source.pagination) or settings().default_page_size
        source = replace(self.source, pagination=EnvelopePagination(page_size=size))
        counts: deque[int] = deque(maxlen=2)  # the records on the last two pages
        scan = self.run.but(concurrent=False, observer=None,
                            on_page=lambda page: counts.append(page.record_count))  # fmt: skip
        batch: list[Record] = []
        rows = found = 0
        for page in self.reader.pages(source, scan):
            unstamped = [record for record in page if record.get(self.field) is None]
            batch.extend(unstamped)
            rows += len(page)
            found += len(unstamped)
            if len(batch) >= self.options.batch_size:
                self.commit(batch, None)
                batch = []
        self.commit(batch, None)
        return rows, found, len(counts) >= 2 and counts[-1] == 0 and counts[-2] > 0

    def _keyset_twice(self, floor: datetime | None, cursor: datetime | None, windows: int) -> int:
        """A keyset pass, and a second one when churn defeated the first (records created
        behind its cursor, or moved faster than its pages overlap): the second finds them in
        place. A server that does not sort, or drops records, is not asked twice. Returns how
        many distinct records the pass that finished read."""
        try:
            return self._keyset(floor, cursor, windows)
        except (IncompleteRead, ShiftedPages) as exc:
            _log.info("%s: %s; reading again by keyset", self.source.name, exc)
            return self._keyset(floor, cursor, windows)

    def _keyset(self, floor: datetime | None, cursor: datetime | None, windows: int) -> int:
        """Keyset windows from `floor`; each batch commits with the low-water cursor. Returns
        how many distinct records the pass read."""
        after = self._after(floor) if floor is not None else {}
        if self.run.facts.states("sort_honoured", False):
            raise ServerMisbehaviour("the flow file says the server does not honour sortBy")
        query = {**envelope().ascending_by(self.field), **after}
        source = replace(self.source, pagination=keyset_on(self.source.pagination, self.field))
        self._over(floor)
        planned = plan_windows(self.reader, source, query, self.field, windows, self.run)
        low_water = LowWater(planned, self.field, self._began(), cursor)
        fetched = _FirstPage(self.server_clock, self.run.facts)
        self.run.begin_pass()
        keyset = self.run.but(on_page=fetched, trail=KeysetTrail(),
                              identity=tuple(self.source.primary_key))  # fmt: skip
        pages = read_windows(self.reader, source, query, planned, self.field, keyset)
        seen = KeyTally(self.source.primary_key)
        batch: list[Record] = []
        try:
            for index, page in prefetch(pages, depth=self.options.prefetch_pages):
                low_water.observe(index, page)
                if page:
                    batch.extend(page)
                    seen.add(page)
                    self._read += len(page)
                    self._note_sample(page)
                if len(batch) >= self.options.batch_size:
                    self._commit_with_cursor(batch, low_water.cursor())
                    batch = []
            self._prove(seen, query, fetched, keyset.trail)
        finally:  # a pass that failed its checks still saw that records exist
            self._witnessed = max(self._witnessed, len(seen))
        if seen.rows > 1:  # pages of more than one record, every one in order
            self.run.facts.learn("sort_honoured", True)
        self._commit_with_cursor(batch, low_water.cursor())
        return len(seen)

    def _note_sample(self, page: list[Record]) -> None:
        """Keep a stamp off a whole second from the page (its last record), for the probe."""
        if self._sample is not None or self.learned.verified or not page:
            return
        moment = parse_timestamp(page[-1].get(self.field))
        if moment is not None and floor_to(moment, "second") != moment:
            self._sample = moment

    def _commit_with_cursor(self, batch: list[Record], cursor: datetime | None) -> None:
        self._low = cursor if cursor is not None else self._low
        state = self._state(cursor)
        self._cursor_moved = self._cursor_moved or state is not None
        self.commit(batch, state)

    def _numbered_twice(self, floor: datetime | None) -> bool:
        """Concurrently by page number; again one page after the other if that missed some.
        True when the read was proven against the server's count (False: no count given).

        A server that lists some records twice and counts rows is believed when two passes
        read exactly the count as rows with the same keys twice; when only one of the first
        two did (the other met an empty page, say), a third pass in order decides.

        Records added while pages are fetched out of order can shift a record from a page not
        yet fetched onto one already fetched; read in order, a shift only repeats a record.
        A whole read that an interrupted run checkpointed resumes at its last committed page
        (read/incremental/resume.py); when its place cannot be found there, it starts over.
        """
        resume, self._resume = self._resume, None
        if resume is not None and floor is None:
            try:
                counted = self._numbered(floor, concurrent=True, resume=resume)
            except IncompleteRead as exc:
                _log.info("%s: %s; reading from the first page", self.source.name, exc)
                self.notes.append(f"could not resume the interrupted full read ({exc}): "
                                  "read from the first page")  # fmt: skip
            else:
                self._began_before = resume.began
                self.notes.append(
                    f"resumed the full read at page {resume.page:,}, where an interrupted "
                    "run left it"
                )
                return counted
        try:
            return self._numbered(floor, concurrent=True)
        except IncompleteRead as exc:
            _log.info("%s: %s; reading again one page after the other", self.source.name, exc)
            first = exc
        try:
            return self._numbered(floor, concurrent=False)
        except IncompleteRead as exc:
            second = exc
        if not second.listed_twice_alike(first):
            looked_listed_twice = [p for p in (first, second) if p.rows_match_count()]
            if not looked_listed_twice:
                raise second
            # One pass was disturbed (a page answered empty, records shifted): one more pass
            # in order shows whether the same records are listed twice again.
            _log.info("%s: %s; reading once more to compare", self.source.name, second)
            try:
                return self._numbered(floor, concurrent=False)
            except IncompleteRead as third:
                if not any(third.listed_twice_alike(p) for p in looked_listed_twice):
                    raise
                second = third
        listed = ", ".join(str(key[0] if len(key) == 1 else key)
                           for key in sorted(second.repeated, key=repr)[:5])  # fmt: skip
        self.notes.append(
            f"the server lists {len(second.repeated):,} record(s) twice in every read "
            f"(e.g. {listed}); its count counts rows, so the read is complete"
        )
        return True

    def _page_size(self) -> int:
        """The page size a read by page number asks for."""
        return page_size_of(self.source.pagination) or settings().default_page_size

    def _numbered(
        self, floor: datetime | None, *, concurrent: bool, resume: Checkpoint | None = None
    ) -> bool:
        """Every record after `floor` (or all) by page number, in the server's own order;
        True when the server's count proved it complete. A whole read (no `floor`) commits
        each batch with a checkpoint; `resume` begins at a checkpoint's last committed page."""
        if self.run.facts.states("counts", "none"):
            raise Uncounted("the flow file says the server gives no totalElements")
        query = self._after(floor) if floor is not None else {}
        self._over(floor)
        size = self._page_size()
        first = envelope().first_page
        number = first if resume is None else resume.page - 1  # the page the next one is
        source = replace(self.source, pagination=EnvelopePagination(page_size=size))
        seen = KeyTally(self.source.primary_key)
        batch: list[Record] = []
        rows = 0 if resume is None else resume.before  # records on the pages before `number`
        committed = time.monotonic()  # when the last batch committed
        fetched = _FirstPage(self.server_clock, self.run.facts)  # page 0 first, before the rest
        self.run.begin_pass()
        numbered = self.run.but(on_page=fetched, concurrent=concurrent, skip_pages=number - first)
        pages = self.reader.pages(source, numbered, query_overrides=query)
        for page in prefetch(pages, depth=self.options.prefetch_pages):
            if fetched.first is not None and not fetched.counted:
                self._witnessed = max(self._witnessed, rows + len(page))  # records exist
                raise Uncounted(
                    "the server gives no totalElements to count a read by page number against"
                )
            if resume is not None and number == resume.page - 1:
                self._find_place(resume, page)
            batch.extend(page)
            seen.add(page)
            rows += len(page)
            number += 1
            self._read += len(page)
            self._note_sample(page)
            due = floor is None and time.monotonic() - committed >= CHECKPOINT_SECONDS
            if len(batch) >= self.options.batch_size or (due and batch):
                self.commit(batch, self._checkpoint(floor, number, size, rows, page))
                batch, committed = [], time.monotonic()
        self.commit(batch, None)
        self._not_empty_after_records(seen.rows + (0 if resume is None else resume.before))
        return self._prove_numbered(seen, fetched, 0 if resume is None else resume.before)

    def _over(self, floor: datetime | None) -> None:
        """The passes from here read `floor`'s filter: what passes over another filter found
        witnesses nothing (finding no change since the catch-up's `since` is no anomaly)."""
        if floor != self._witness_floor:
            self._witness_floor, self._witnessed = floor, 0

    def _not_empty_after_records(self, rows: int) -> None:
        """A pass that read nothing proves nothing when a pass before it over the same filter
        found records (`_witnessed`): an index being rebuilt answers so, and the records it
        hid would be taken as read. Raises IncompleteRead then, so the read tries again."""
        witnessed, self._witnessed = self._witnessed, max(self._witnessed, rows)
        if rows == 0 and witnessed:
            raise IncompleteRead(
                f"the server answered that nothing matches where a read just before found "
                f"{witnessed:,} records; cannot prove the stream complete"
            )

    @staticmethod
    def _prove_numbered(seen: KeyTally, fetched: _FirstPage, before: int) -> bool:
        """A pass by page number read as many distinct records (`before` on pages a resumed
        read did not read again) as the query matched when it began, the count on its first
        page; True when that count exists."""
        expected = envelope().total_elements(fetched.first.document) if fetched.first else None
        read = len(seen) + before
        if expected is not None and read < expected:
            raise IncompleteRead(
                f"read {read} distinct records by page number but the server counts "
                f"{expected}; cannot prove the stream complete",
                seen.rows, seen.repeated(), expected,
            )  # fmt: skip
        return expected is not None

    def _find_place(self, resume: Checkpoint, page: list[Record]) -> None:
        """A resumed read's first page must hold a record that ended the last committed one:
        else more records than the anchor holds were deleted before it, the rest moved back
        past it, and reading on would skip them."""
        if not resume.found_in(page, self.source.primary_key):
            raise IncompleteRead(
                f"none of the records that ended page {resume.page - 1:,} is there any more"
            )

    def _checkpoint(
        self, floor: datetime | None, page: int, size: int, rows: int, last: list[Record]
    ) -> State | None:
        """The state a whole read's batch commits with: where a killed run resumes."""
        if floor is not None or not last:
            return None
        mark = Checkpoint.after(page, size, rows, last, self.source.primary_key, self._began())
        state: State = {RESUME: mark.as_state()}
        if self.learned.verified:
            state["precision"] = self.learned.unit
        return state

    # -- proofs ------------------------------------------------------------------------------

    def _prove(
        self, seen: KeyTally, query: dict[str, Any], fetched: _FirstPage, trail: KeysetTrail
    ) -> None:
        """Every record the query matches now must have been read (records are never
        un-modified, so each one matching now matched, or was added, while we read).

        A pass of one page is a snapshot: when it holds as many records as its own count, it
        read everything the query matched, and what changed since is after the cursor. A
        server that gives no count leaves the keyset checks as the proof: every step came back
        with the records it stepped from, every page was in order, and the last page was short.
        Pages asked by number within one filter are not checked that way: without a count,
        such a pass is unproven."""
        read = len(seen)  # a count of distinct keys: taken once
        self._not_empty_after_records(read)
        own = None if fetched.first is None else envelope().total_elements(fetched.first.document)
        if fetched.pages == 1 and own is not None and read >= own:
            return
        # A pass whose first page carried no count is on a server that gives none: asking
        # for one would tell nothing.
        uncounted = fetched.first is not None and own is None
        total = None if uncounted else count_matching(self.reader, self.source, query, self.run)
        if total is None and trail.numbered_pages:
            raise Uncounted(
                f"the server gives no totalElements and {trail.numbered_pages} page(s) had to "
                "be read by page number within one instant"
            )
        if total == 0 and read:
            raise IncompleteRead(
                f"read {read} distinct records by keyset but the server counts none; cannot "
                "prove the stream complete"
            )
        if total is not None and read < total:
            raise IncompleteRead(
                f"read {read} distinct records by keyset but the server counts {total}; "
                "cannot prove the stream complete"
            )

    # -- state -------------------------------------------------------------------------------

    def _after(self, floor: datetime) -> dict[str, Any]:
        """The filter that keeps every record at or after `floor` on this server."""
        unit = self.learned.safe_unit
        return {envelope().modified_after_param: format_timestamp(safe_after(floor, unit))}

    def _state(self, cursor: datetime | None) -> State | None:
        if cursor is None:
            return None
        state: State = {"cursor_field": self.field, "cursor": format_timestamp(cursor),
                        "changes": self._read - self._changes_from}  # fmt: skip
        return self._with_facts(state)

    def _empty_state(self) -> State:
        """The state of a whole read that found no records: no cursor (EMPTY)."""
        return self._with_facts({"cursor_field": self.field, EMPTY: True})

    def _with_facts(self, state: State) -> State:
        if self.run.facts.modified_after_unit.origin == "learnt":  # a stated unit stays the flow's
            state["precision"] = self.learned.unit
        if self._unstamped_pending:
            state[UNSTAMPED] = "pending"
        return state
