"""`WriteSummary`: what a write did, counted row by row as outcomes arrive."""

from __future__ import annotations

from dataclasses import dataclass, field

from clientsuccess_connector.write.ledger import RowResult

_SHOWN_ERRORS = 20


@dataclass(slots=True)
class WriteSummary:
    """What a write did: rows ok, in error and skipped (already ok in the ledger)."""

    template: str
    ok: int = 0
    error: int = 0
    skipped: int = 0
    requests: int = 0  # every request sent: writes, their re-sends and look-ups
    resent: int = 0  # write requests sent again (refused before acting, or settled as absent)
    lookups: int = 0  # searches that settled unknown outcomes
    seconds: float = 0.0
    dry_run: bool = False
    first_errors: list[tuple[int, str]] = field(default_factory=list)  # up to 20, for display

    @property
    def rows(self) -> int:
        return self.ok + self.error + self.skipped

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def count(self, results: list[RowResult]) -> None:
        """Add finished rows to the counts (and the first errors to `first_errors`)."""
        for result in results:
            if result.status == "ok":
                self.ok += 1
            elif result.status == "skipped":
                self.skipped += 1
            else:
                self.error += 1
                if len(self.first_errors) < _SHOWN_ERRORS:
                    self.first_errors.append((result.row, result.error or "failed"))

    def line(self) -> str:
        """One human line for stderr."""
        if self.dry_run:
            return (
                f"{self.template}: dry run: {self.ok} row(s) would be sent in {self.requests} "
                f"request(s), {self.error} error, {self.skipped} skipped; nothing was sent"
            )
        extra = [f"{n} {what}" for n, what in ((self.resent, "re-sent"),
                 (self.lookups, "look-up(s)")) if n]  # fmt: skip
        detail = f" ({', '.join(extra)})" if extra else ""
        return (
            f"{self.template}: {self.ok} ok, {self.error} error, {self.skipped} skipped; "
            f"{self.requests} request(s){detail} in {self.seconds:.2f} s "
            f"({self.rows_per_second:.0f} rows/s)"
        )
