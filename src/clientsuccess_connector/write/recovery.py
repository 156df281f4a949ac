"""After a crash or a lost answer: did a create reach ClientSuccess? Ask, where the API lets us.

A non-idempotent write that was sent but whose answer was never recorded (a `pending` ledger
line, or an error with `"outcome": "unknown"`) may or may not have created its record.
Re-sending blindly could create a duplicate, so before re-sending we look the record up by the
natural key the catalogue gives the template (`natural_key`, `lookup`):
- contacts (`create_contact`, `bulk_create_contacts`): `search_contacts` by clientId + email;
- clients (`create_client`, `bulk_create_clients`): `search_clients` by externalId, when the row
  has one;
- pulses (`create_pulse`): `search_pulses` by clientId, matched on the pulse's uuid (which the
  writer derives from the row when the input gives none).
The searches go to the route the flow file corrects them to (`templates:`), if it does.
A look-up is trusted only when every record of every page matches the filter sent: a server that
ignored the filter cannot say "not there", so the row stays unknown and is never re-sent. An
answer that cannot be read is asked for again only while it changes.
Upsert templates need no look-up (re-sending updates the same record), nor do idempotent ones
(PUT, DELETE, and PATCH where the catalogue says so). For everything else the row is reported
as an error until the user checks ClientSuccess and re-runs with `retry_unknown`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from clientsuccess_connector.catalog import Template, envelope, get_template
from clientsuccess_connector.connection import Connection, ConnectionStats
from clientsuccess_connector.errors import ApiError, DataError, TransportError
from clientsuccess_connector.write.batching import Unit
from clientsuccess_connector.write.ledger import RowResult

UNKNOWN_MESSAGE = (
    "outcome unknown after a crash; check ClientSuccess, then re-run with `retry_unknown` "
    "to send it again"
)
_PAGE_SIZE = 100
_MAX_PAGES = 50  # 5,000 records matching one natural key is no answer either
_READ_ATTEMPTS = 3  # an unreadable answer is asked for again only while it changes
_LOOKUP_FAILED = (ApiError, TransportError, DataError)

Record = dict[str, Any]
TemplateResolver = Callable[[str], Template]
"""A template by name as the run sees it (the catalogue's, or a flow file's correction)."""


class Unverifiable(DataError):
    """A look-up whose answer cannot tell "not there" (filter ignored, answer unreadable)."""


def _pages(
    conn: Connection, template: Template, params: dict[str, Any], stats: ConnectionStats
) -> Iterator[list[Record]]:
    """Every page of a search, read until a short or last page.

    An unreadable page is asked for again while the answer changes (a transient fault); the
    same unreadable answer twice is the server's answer, and raises Unverifiable.
    """
    search = envelope()
    for page in range(search.first_page, search.first_page + _MAX_PAGES):
        query = {**params, **search.page_params(page, _PAGE_SIZE)}
        previous: bytes | None = None
        for attempt in range(1, _READ_ATTEMPTS + 1):
            response = conn.request(template.method, template.path, params=query, stats=stats)
            try:
                body = conn.parse_json(response)
                break
            except DataError as exc:
                if response.content == previous or attempt == _READ_ATTEMPTS:
                    raise Unverifiable(f"the look-up answer could not be read ({exc})") from None
                previous = response.content
        data = search.records(body) if isinstance(body, dict) else body
        records = [r for r in data or () if isinstance(r, dict)]
        yield records
        if search.is_last(body) or len(records) < _PAGE_SIZE:
            return
    raise Unverifiable(f"the look-up matched more than {_MAX_PAGES * _PAGE_SIZE} records")


def _find(
    conn: Connection,
    template: Template,
    params: dict[str, Any],
    matches_filter: Callable[[Record], bool],
    is_ours: Callable[[Record], bool],
    stats: ConnectionStats,
) -> Record | None:
    """The record a row created, None when surely absent; Unverifiable when it cannot tell."""
    for records in _pages(conn, template, params, stats):
        for found in records:
            if not matches_filter(found):
                raise Unverifiable(
                    f"{template.name} answered with records that do not match its filter "
                    f"({', '.join(params)}), so it cannot tell whether the row was created"
                )
            if is_ours(found):
                return found
    return None


def _same_text(a: Any, b: Any) -> bool:
    return str(a or "").casefold() == str(b or "").casefold()


def _find_contact(
    conn: Connection, record: Mapping[str, Any], search: Template, stats: ConnectionStats
) -> Record | None:
    client_id, email = record.get("clientId"), record.get("email")

    def matches(found: Record) -> bool:
        same_client = found.get("tenantClientId", found.get("clientId")) == client_id
        return same_client and _same_text(found.get("email"), email)

    params = {"tenantClientId": client_id, "email": email}
    return _find(conn, search, params, matches, matches, stats)


def _find_client(
    conn: Connection, record: Mapping[str, Any], search: Template, stats: ConnectionStats
) -> Record | None:
    external_id = record.get("externalId")
    return _find(
        conn, search, {"externalId": external_id},
        lambda found: _same_text(found.get("externalId"), external_id),
        lambda found: found.get("externalId") == external_id, stats,
    )  # fmt: skip


def _find_pulse(
    conn: Connection, record: Mapping[str, Any], search: Template, stats: ConnectionStats
) -> Record | None:
    client_id, uuid = record.get("clientId"), record.get("uuid")
    return _find(
        conn, search, {"clientId": client_id},
        lambda found: found.get("clientId") == client_id,
        lambda found: found.get("uuid") == uuid, stats,
    )  # fmt: skip


# How each look-up template finds the record a row made (None when there is none).
Finder = Callable[[Connection, Mapping[str, Any], Template, ConnectionStats], "Record | None"]
_FINDERS: dict[str, Finder] = {
    "search_contacts": _find_contact,
    "search_clients": _find_client,
    "search_pulses": _find_pulse,
}


def resend_is_safe(template: Template) -> bool:
    """True when sending a request twice cannot create a second record."""
    return template.resend_is_safe


def finder_for(template: Template, record: Mapping[str, Any]) -> Finder | None:
    """How to look up the record this row would create, or None when the API offers no way:
    the template has no natural key and look-up, or the row leaves part of the key empty."""
    finder = _FINDERS.get(template.lookup or "")
    if finder is None or any(record.get(f) in (None, "") for f in template.natural_key):
        return None
    return finder


class Recovery:
    """Settles rows whose POST may have acted, for one template of one run.

    Look-ups of one unit run concurrently (`workers` threads), each request under the
    connection's shared limiter.
    """

    def __init__(
        self,
        connection: Connection,
        template: Template,
        retry_unknown: bool,
        workers: int = 1,
        resolve: TemplateResolver = get_template,
    ) -> None:
        self.conn = connection
        self.template = template
        self.retry_unknown = retry_unknown
        self.resolve = resolve
        self.stats = ConnectionStats()  # every look-up request sent
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="cs-lookup")

    def close(self) -> None:
        """Stop the look-up threads."""
        self._pool.shutdown(wait=True)

    def _search(self) -> Template:
        assert self.template.lookup is not None  # a finder exists only for templates with one
        return self.resolve(self.template.lookup)

    def must_settle(self) -> bool:
        """True when a row an earlier run may have sent cannot simply be sent again."""
        return not (resend_is_safe(self.template) or self.retry_unknown)

    def needs_lookup(self, body: Mapping[str, Any]) -> bool:
        """True when settling an interrupted row with this body asks the server first."""
        return self.must_settle() and finder_for(self.template, body) is not None

    def interrupted(self, row: int, body: Mapping[str, Any]) -> RowResult | None:
        """For a row an earlier run may have written: its result, or None to send it (again)."""
        if not self.must_settle():
            return None
        finder = finder_for(self.template, body)
        if finder is None:
            return RowResult(row, "error", error=UNKNOWN_MESSAGE, outcome_unknown=True)
        try:
            found = finder(self.conn, body, self._search(), self.stats)
        except _LOOKUP_FAILED as exc:
            message = f"outcome unknown after a crash and the look-up failed ({exc})"
            return RowResult(row, "error", error=message, outcome_unknown=True)
        if found is None:
            return None
        return RowResult(row, "ok", id=found.get("id"), uuid=found.get("uuid"))

    def settle(
        self,
        unit: Unit,
        results: list[RowResult],
        resend: Callable[[list[int]], list[RowResult]],
    ) -> list[RowResult]:
        """One round for a sent unit: look up unknown rows, `resend` those safe to send again."""
        by_row = {r.row: r for r in results}
        records = dict(zip(unit.rows, unit.records, strict=True))
        unknown = [r.row for r in results if r.outcome_unknown]
        if resend_is_safe(self.template):
            again = unknown
        else:
            looked = self._pool.map(lambda row: self._look_up(by_row[row], records[row]), unknown)
            again = []
            for row, (result, send) in zip(unknown, looked, strict=True):
                by_row[row] = result
                if send:
                    again.append(row)
        if again:
            for result in resend(again):
                by_row[result.row] = result
        return [by_row[row] for row in unit.rows]

    def _look_up(self, result: RowResult, record: Mapping[str, Any]) -> tuple[RowResult, bool]:
        """(the row's result after a look-up, whether to send it again)."""
        finder = finder_for(self.template, record)
        if finder is None:
            return result, False  # stays unknown: the API offers no way to tell
        try:
            found = finder(self.conn, record, self._search(), self.stats)
        except Unverifiable as exc:
            message = f"outcome unknown: {exc}"
            return RowResult(result.row, "error", result.http_status, error=message,
                             outcome_unknown=True, unreadable=message), False  # fmt: skip
        except _LOOKUP_FAILED:
            return result, False  # the look-up failed too: the row stays "outcome unknown"
        if found is None:
            return result, True
        return RowResult(result.row, "ok", id=found.get("id"), uuid=found.get("uuid")), False
