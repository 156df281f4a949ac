"""What a read knows of the server's search, and where each fact comes from.

An incremental read leans on five facts about the server: the unit `modifiedAfter` compares in
and whether it keeps records at the instant asked (inclusive), whether `sortBy` is honoured,
whether answers carry counts (`totalElements`), and the largest page it serves. Each fact has
an origin: `configured` (the flow file's `server:` mapping states it), `learnt` (the answers
showed it, this run or a run before whose state kept it) or `assumed` (nothing is known: the
read assumes the safe value and checks every answer). Learning stays the default: a stated
fact saves the requests that would learn it, and evidence against it still wins.

How each fact is used:

| fact | assumed | stated | learnt from |
|---|---|---|---|
| `modified_after_unit` | `day` (a cursor reaches back a day) | the unit steps use | keyset steps, one probe per stream (kept in the state) |
| `modified_after_inclusive` | either (every filter allows for both) | reported only | a step answered with a record at or before its filter |
| `sort_honoured` | yes, every page checked | `false`: no keyset pass is tried | an unordered page (no), a keyset pass in order (yes) |
| `counts` | `exact` | `none`: no read by page number is tried | the first page of a pass |
| `max_page_size` | none known | the most a page asks for | a page size the server echoed smaller than asked |
"""  # noqa: E501 (a table)

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Generic, Literal, TypeVar

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.incremental.precision import ASSUMED, UNITS, LearnedPrecision

Origin = Literal["configured", "learnt", "assumed"]
T = TypeVar("T")
COUNTS = ("exact", "none")


@dataclass(frozen=True, slots=True)
class Fact(Generic[T]):
    """One fact about the server and where it comes from."""

    value: T
    origin: Origin

    def __str__(self) -> str:
        shown = "unknown" if self.value is None else str(self.value).lower()
        return f"{shown} ({self.origin})"


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerStatement:
    """What a flow file's `server:` mapping states about the instance (None: not stated)."""

    modified_after_unit: str | None = None
    modified_after_inclusive: bool | None = None
    sort_honoured: bool | None = None
    counts: str | None = None
    max_page_size: int | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None, *, where: str) -> ServerStatement:
        """From a flow file's `server:` mapping; a one-line ConfigError naming a wrong field."""
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: server must be a mapping of fact: value")
        names = [f.name for f in fields(cls)]
        for name, value in raw.items():
            if name not in names:
                raise ConfigError(
                    f"{where}: server.{name} is not a server fact; use one of {', '.join(names)}"
                )
            if value is not None and not _valid(name, value):
                raise ConfigError(f"{where}: server.{name} must be {_WANTED[name]}, not {value!r}")
        return cls(**{name: value for name, value in raw.items() if value is not None})


_WANTED = {
    "modified_after_unit": f"one of {', '.join(UNITS)}",
    "modified_after_inclusive": "true or false",
    "sort_honoured": "true or false",
    "counts": f"one of {', '.join(COUNTS)}",
    "max_page_size": "a whole number of at least 1",
}


def _valid(name: str, value: Any) -> bool:
    if name == "modified_after_unit":
        return value in UNITS
    if name == "counts":
        return value in COUNTS
    if name == "max_page_size":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return isinstance(value, bool)


class ServerFacts:
    """The facts one stream's read knows of the server: stated, learnt, or assumed.

    Thread-safe: a stream's windows learn into the same facts. `precision` is the learner of
    the `modifiedAfter` unit that keyset steps use and coarsen (read/incremental/precision.py).
    """

    def __init__(self, stated: ServerStatement | None = None) -> None:
        self.stated = stated or ServerStatement()
        unit = self.stated.modified_after_unit
        self.precision = LearnedPrecision(unit, verified=True) if unit else LearnedPrecision()
        self._learnt: dict[str, Any] = {}
        self._lock = threading.Lock()

    def fresh(self) -> ServerFacts:
        """The stated facts alone, for a read that learns its own (another lookup value)."""
        return ServerFacts(self.stated)

    # -- learning --------------------------------------------------------------------------

    def remember_unit(self, unit: Any) -> None:
        """A unit an earlier run learnt (kept in the stream's state); a stated unit stays
        unless the learnt one is coarser (evidence that the statement loses records)."""
        stated = self.stated.modified_after_unit
        if unit not in UNITS:
            return
        if stated is None or list(UNITS).index(unit) > list(UNITS).index(stated):
            self.precision = LearnedPrecision(unit, verified=True)

    def learn_unit(self, unit: str) -> None:
        """The unit a probe proved `modifiedAfter` compares in."""
        self.precision = LearnedPrecision(unit, verified=True)

    def learn(self, name: str, value: Any) -> None:
        """Evidence of a fact other than the unit (`sort_honoured`, `counts`, ...)."""
        with self._lock:
            self._learnt[name] = value

    # -- the facts -------------------------------------------------------------------------

    @property
    def modified_after_unit(self) -> Fact[str]:
        """The unit `modifiedAfter` compares in; assumed `day` until known."""
        learner = self.precision
        if not learner.verified:
            return Fact(ASSUMED, "assumed")
        stated = learner.unit == self.stated.modified_after_unit
        return Fact(learner.unit, "configured" if stated else "learnt")

    @property
    def modified_after_inclusive(self) -> Fact[bool | None]:
        """True: records at the instant asked come back; None: either (filters allow both)."""
        return self._fact("modified_after_inclusive", None)

    @property
    def sort_honoured(self) -> Fact[bool]:
        """Whether a search sorted ascending answers in that order (assumed, and checked)."""
        return self._fact("sort_honoured", True)

    @property
    def counts(self) -> Fact[str]:
        """`exact`: answers carry `totalElements`; `none`: they do not."""
        return self._fact("counts", "exact")

    @property
    def max_page_size(self) -> Fact[int | None]:
        """The most records the server serves a page (None: no cap known)."""
        return self._fact("max_page_size", None)

    def states(self, name: str, value: Any) -> bool:
        """True when the flow file states fact `name` as `value`."""
        return bool(getattr(self.stated, name) == value)

    def describe(self) -> str:
        """One line: every fact and its origin."""
        names = [f.name for f in fields(ServerStatement)]
        return ", ".join(f"{name} {getattr(self, name)}" for name in names)

    def _fact(self, name: str, assumed: Any) -> Fact[Any]:
        with self._lock:
            if name in self._learnt:
                return Fact(self._learnt[name], "learnt")
        stated = getattr(self.stated, name)
        return Fact(stated, "configured") if stated is not None else Fact(assumed, "assumed")
