"""Hostile servers: null stamps, a lagging replica and duplicate rows (the profile's integers).

The default profile never comes here: its searches keep the cached, indexed path of reads.py.
Which records are null-stamped or duplicated, and how long a change waits under `lag_spread:
random`, depend only on the data seed, the resource, the id (and the version): runs repeat.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from clientsuccess_connector.simulator import datagen
from clientsuccess_connector.simulator.store import Record, Resource
from clientsuccess_connector.simulator.timefmt import fmt_ms, parse_micros

if TYPE_CHECKING:
    from clientsuccess_connector.simulator.profile import ServerProfile
    from clientsuccess_connector.simulator.state import SimulatorState

# A stamp before this is the seeded data's: no write through the simulator has touched it.
SEEDED_BEFORE = fmt_ms(datagen.END_MS + datagen.DAY_MS)
OLDER_BY_MS = 3_600_000  # the `older` duplicate's modifiedTime is one hour earlier
# (record id, number of the version, its stamp) -> does the replica show that change yet?
Shows = Callable[[object, int, str], bool]


def shapes_rows(profile: ServerProfile) -> bool:
    """True when searches must be built row by row (null stamps, a lag or duplicates)."""
    return bool(profile.null_stamps or profile.visibility_lag or profile.duplicates)


def cursor_field(app: SimulatorState, resource: str) -> str:
    """The incremental field of the resource's search (`modifiedTime` unless it says other)."""
    template = app.router.templates.get("search_" + resource)
    return (template.incremental_field if template else None) or "modifiedTime"


def picked(seed: int, salt: str, resource: str, rid: object, percent: int) -> bool:
    """Whether record `rid` falls in the `percent` share chosen by (seed, salt)."""
    return percent > 0 and zlib.crc32(f"{salt}:{seed}:{resource}:{rid}".encode()) % 100 < percent


def view(app: SimulatorState, resource: str, rec: Record, field: str | None = None) -> Record:
    """The record as the server shows it: with `null_stamps`, a picked seeded record's cursor
    field is null (a write stamps it anew, so changed and new records always carry one)."""
    share = app.profile.null_stamps
    if not share:
        return rec
    field = field or cursor_field(app, resource)
    value = rec.get(field)
    seeded = isinstance(value, str) and value < SEEDED_BEFORE
    if seeded and picked(app.store.seed, "null", resource, rec.get("id"), share):
        return {**rec, field: None}
    return rec


def _stamp(rec: Record, field: str) -> str:
    value = rec.get("modifiedTime") or rec.get(field)
    return value if isinstance(value, str) else ""


def _as_of(
    rid: object, rec: Record, past: list[Record | None] | None, shows: Shows, field: str
) -> Record | None:
    """The newest version the replica shows; None when the record did not exist for it.

    Versions older than the tracking are unknown: the oldest known one stands for them."""
    versions = [*(past or []), rec]
    for number in range(len(versions) - 1, -1, -1):
        version = versions[number]
        if version is None:
            return None
        if shows(rid, number, _stamp(version, field)):
            return version
    return versions[0]


def _replica(app: SimulatorState, resource: str) -> Shows:
    """Whether a change of a record shows yet: `lag_spread: fixed` waits the whole
    `visibility_lag`; `random` a share of it picked by (seed, record, version), so changes
    show out of their stamps' order, as transactions of different lengths commit."""
    profile, clock = app.profile, app.store.clock
    lag_ms, now = profile.visibility_lag * 1000, clock.now_ms()
    settled = fmt_ms(now - lag_ms)  # a change stamped up to here shows whatever its wait

    def shows(rid: object, number: int, stamp: str) -> bool:
        if stamp <= settled:
            return True
        micros = parse_micros(stamp)
        if profile.lag_spread == "fixed" or micros is None:
            return False
        wait = zlib.crc32(f"lag:{app.store.seed}:{resource}:{rid}:{number}".encode())
        return micros // 1000 + wait % (lag_ms + 1) <= now

    return shows


def visible(app: SimulatorState, res: Resource, field: str) -> Iterator[Record]:
    """Every record as a replica `visibility_lag` seconds behind sees it: a change (create,
    update, delete) stamped T shows from server time T + lag; until then the earlier version."""
    if not app.profile.visibility_lag:
        yield from res.records.values()
        return
    shows = _replica(app, res.name)
    for rid, rec in res.records.items():
        shown = _as_of(rid, rec, res.past.get(rid), shows, field)
        if shown is not None:
            yield shown
    for rid, (when, rec) in res.gone.items():
        if not shows(rid, len(res.past.get(rid) or ()) + 1, fmt_ms(when)):
            shown = _as_of(rid, rec, res.past.get(rid), shows, field)
            if shown is not None:
                yield shown


def _older(rec: Record) -> Record:
    value = rec.get("modifiedTime")
    micros = parse_micros(value) if isinstance(value, str) else None
    if micros is None:
        return dict(rec)
    return {**rec, "modifiedTime": fmt_ms(micros // 1000 - OLDER_BY_MS)}


def rows(app: SimulatorState, resource: str, field: str) -> list[Record]:
    """The rows a search starts from: visible versions, null stamps applied, and a picked
    record's second row (a copy, or with `duplicate_copy: older` one hour older) after it."""
    profile = app.profile
    res = app.store.resource(resource)
    out: list[Record] = []
    for rec in visible(app, res, field):
        shown = view(app, resource, rec, field)
        out.append(shown)
        if picked(app.store.seed, "dup", resource, rec.get("id"), profile.duplicates):
            out.append(_older(shown) if profile.duplicate_copy == "older" else dict(shown))
    return out
