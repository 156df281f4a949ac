"""Date macros, lookup macros and encoding of values for where they go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import unquote

import httpx
import pytest

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.macros import (
    DEFAULT_DATE_FORMAT,
    DateMacroContext,
    MacroClock,
    lookup_refs,
    parse_macros,
    render,
    render_json,
    render_value,
)

NOW = datetime(2026, 11, 27, 6, 0, 0, tzinfo=UTC)
HOSTILE = ["../admin?x=1", "a/b", "%2F", "#frag", "line\nbreak", "é/ü ☃", "..", ".", "a&b=c", "?"]


def ctx(now: datetime = NOW, date_format: str = "yyyy-MM-dd'T'HH:mm:ss", unit: str = "day"):
    """A context with a fixed clock."""
    return DateMacroContext(now, date_format, unit)


def test_default_format_gives_milliseconds_and_z() -> None:
    """The default date format renders like 2026-11-27T06:00:00.000Z."""
    assert DEFAULT_DATE_FORMAT == "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
    assert render("{now}", dates=DateMacroContext(NOW)) == "2026-11-27T06:00:00.000Z"
    assert MacroClock(NOW).context().time_unit == "day"


@pytest.mark.parametrize(
    ("unit", "macro", "expected"),
    [
        ("second", "{now-30}", "2026-11-27T05:59:30"),
        ("minute", "{now+90}", "2026-11-27T07:30:00"),
        ("hour", "{now-7}", "2026-11-26T23:00:00"),
        ("day", "{now-1}", "2026-11-26T06:00:00"),
        ("day", "{now+5}", "2026-12-02T06:00:00"),
        ("week", "{now-2}", "2026-11-13T06:00:00"),
        ("month", "{now+1}", "2026-12-27T06:00:00"),
        ("month", "{now+2}", "2027-01-27T06:00:00"),
        ("year", "{now-1}", "2025-11-27T06:00:00"),
        ("Days", "{now}", "2026-11-27T06:00:00"),
        (" HOUR ", "{now - 4}", "2026-11-27T02:00:00"),
        ("Weeks", "{ now + 1 }", "2026-12-04T06:00:00"),
    ],
)
def test_each_unit(unit: str, macro: str, expected: str) -> None:
    """N units of time_unit, any case, plurals and spaces inside the braces allowed."""
    assert render(macro, dates=ctx(unit=unit)) == expected


@pytest.mark.parametrize(
    ("now", "unit", "macro", "expected"),
    [
        (datetime(2026, 3, 31, tzinfo=UTC), "month", "{now-1}", "2026-02-28"),
        (datetime(2024, 3, 31, tzinfo=UTC), "month", "{now-1}", "2024-02-29"),
        (datetime(2026, 1, 31, tzinfo=UTC), "month", "{now+1}", "2026-02-28"),
        (datetime(2026, 8, 31, tzinfo=UTC), "month", "{now+1}", "2026-09-30"),
        (datetime(2026, 12, 31, tzinfo=UTC), "month", "{now+2}", "2027-02-28"),
        (datetime(2026, 1, 15, tzinfo=UTC), "month", "{now-13}", "2024-12-15"),
        (datetime(2024, 2, 29, tzinfo=UTC), "year", "{now+1}", "2025-02-28"),
        (datetime(2024, 2, 29, tzinfo=UTC), "year", "{now-4}", "2020-02-29"),
        (datetime(2026, 12, 31, 23, tzinfo=UTC), "hour", "{now+1}", "2027-01-01"),
        (datetime(2024, 2, 28, tzinfo=UTC), "day", "{now+1}", "2024-02-29"),
        (datetime(2026, 1, 1, tzinfo=UTC), "day", "{now-1}", "2025-12-31"),
    ],
)
def test_month_year_and_leap_day_edges(now: datetime, unit: str, macro: str, expected: str) -> None:
    """Month and year arithmetic clamps to the month's last day; leap days are respected."""
    assert render(macro, dates=ctx(now, "yyyy-MM-dd", unit)) == expected


@pytest.mark.parametrize(
    ("date_format", "expected"),
    [
        ("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "2026-03-07T09:05:03.042Z"),
        ("yyyy-MM-dd", "2026-03-07"),
        ("MM/dd/yyyy", "03/07/2026"),
        ("dd.MM.yy HH:mm", "07.03.26 09:05"),
        ("yyyyMMddHHmmss", "20260307090503"),
        ("EEE, d MMM yyyy h:mm a", "Sat, 7 Mar 2026 9:05 AM"),
        ("EEEE MMMM", "Saturday March"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2026-03-07T09:05:03Z"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ", "2026-03-07T09:05:03.042000+0000"),
        ("yyyy-MM-ddTHH:mm:ss", "2026-03-07T09:05:03"),
        ("'at' HH 'o''clock'", "at 09 o'clock"),
        ("%Y-%m-%dT%H:%M:%S.000Z", "2026-03-07T09:05:03.000Z"),
        ("%Y-%m-%dT%H:%M:%S.%fZ", "2026-03-07T09:05:03.042000Z"),
        ("%d/%m/%Y %%", "07/03/2026 %"),
        ("epoch", "1772874303"),
        ("epoch_ms", "1772874303042"),
        ("EPOCH_MS", "1772874303042"),
    ],
)
def test_java_strftime_and_epoch_formats(date_format: str, expected: str) -> None:
    """Java/Nexla patterns, strftime patterns and epoch formats."""
    now = datetime(2026, 3, 7, 9, 5, 3, 42000, tzinfo=UTC)
    assert render("{now}", dates=ctx(now, date_format)) == expected


def test_epoch_value_is_typed() -> None:
    """An epoch macro used alone as a parameter is an int."""
    assert render_value("{now-1}", dates=ctx(NOW, "epoch", "hour")) == int(NOW.timestamp()) - 3600


def test_now_is_converted_to_utc() -> None:
    """A clock in another zone is rendered in UTC."""
    paris = datetime(2026, 11, 27, 7, 0, tzinfo=timezone(timedelta(hours=1)))
    assert render("{now}", dates=DateMacroContext(paris)) == "2026-11-27T06:00:00.000Z"


def test_clock_is_read_once() -> None:
    """Every context of a run shares the same instant."""
    clock = MacroClock()
    first = clock.context().now
    assert clock.context("epoch", "hour").now == first == clock.now


@pytest.mark.parametrize("bad", ["yyyy-MM-dd Q", "%Y-%Q", "yyyy 'unclosed", "   ", "SSSSSSSSSS"])
def test_bad_date_format(bad: str) -> None:
    """A bad format names date_format and the accepted styles."""
    if not bad.strip():
        assert DateMacroContext(NOW, bad).date_format == DEFAULT_DATE_FORMAT
        return
    with pytest.raises(ConfigError, match=r"^date_format .*epoch / epoch_ms$"):
        DateMacroContext(NOW, bad)


@pytest.mark.parametrize("bad", ["fortnight", "d", "dayz"])
def test_bad_time_unit(bad: str) -> None:
    """A bad unit names time_unit and lists the units."""
    with pytest.raises(ConfigError) as caught:
        DateMacroContext(NOW, time_unit=bad)
    assert str(caught.value).startswith("time_unit")
    assert "second, minute, hour, day, week, month, year" in str(caught.value)


def test_out_of_range_offset() -> None:
    """An offset beyond year 9999 is a config error, not a crash."""
    with pytest.raises(ConfigError, match="smaller N"):
        render("{now+9000}", dates=ctx(unit="year"))


# --- lookups and parsing ------------------------------------------------------------------


def test_parse_and_lookup_refs() -> None:
    """Date and lookup macros are found with their parts; escapes and JSON are not macros."""
    refs = parse_macros('/c/{contracts.id}/x?since={now-4}&a={{now}}&j={"k": 1}')
    assert [(r.kind, r.name) for r in refs] == [("lookup", "{contracts.id}"), ("date", "{now-4}")]
    assert refs[1].offset == -4
    assert lookup_refs("/a/{c.id}", "{c.id} {d.name}", "{now}") == {("c", "id"), ("d", "name")}


KNOWN = {"contracts": {"id", "name"}}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("/x?since={nwo-1}", ""),
        ("/x/{contracts.missing}", "has no column 'missing'"),
        ("/x/{clients.id}", "no lookup named 'clients'"),
        ("/x/{clientId}", ""),
        ("/x/{today}", ""),
        ("{now-1d}", ""),
    ],
)
def test_unknown_macro_lists_known_ones(text: str, reason: str) -> None:
    """Unknown macros fail with the list of known macros."""
    with pytest.raises(ConfigError) as caught:
        render(
            text,
            dates=ctx(),
            row={"contracts": {"id": 1, "name": "n"}},
            known_lookups=KNOWN,
            field="url",
        )
    message = str(caught.value)
    assert message.startswith("unknown macro {")
    assert " in url" in message
    assert reason in message
    assert "known macros: {now}, {now-N}, {now+N}, {contracts.id}, {contracts.name}" in message


def test_unknown_without_lookups_explains_lookup_form() -> None:
    """With no lookups declared, the message says how lookup macros look."""
    with pytest.raises(
        ConfigError, match=r"\{LOOKUP.COLUMN\} for a lookup declared under lookups:"
    ):
        parse_macros("{contracts.id}", known_lookups={})


def test_parse_macros_rejects_unknown_forms() -> None:
    """parse_macros fails on a malformed macro even without known lookups."""
    with pytest.raises(ConfigError, match=r"unknown macro \{nwo-1\}"):
        parse_macros("{nwo-1}")


def test_literal_braces() -> None:
    """`{{now}}` is the text `{now}`; JSON and empty braces stay as they are."""
    assert render('{{now}} {"a": {"b": [1]}} {} {1} {{"x"}}', dates=ctx()) == (
        '{now} {"a": {"b": [1]}} {} {1} {{"x"}}'
    )


def test_lookup_value_in_body_and_query_is_raw() -> None:
    """Body and query values are raw text (the JSON serialiser / HTTP client encodes them)."""
    row = {"contracts": {"id": "a&b=c#d"}}
    assert render("{contracts.id}", dates=None, row=row, where="body") == "a&b=c#d"
    assert render("{contracts.id}", dates=None, row=row, where="query") == "a&b=c#d"


def test_render_json_keeps_types() -> None:
    """A string that is exactly one macro becomes the typed value; others are rendered text."""
    body = {
        "contractId": "{contracts.id}",
        "filter": {"since": "{now-1}", "label": "id={contracts.id}"},
        "list": ["{contracts.id}", 3, None, True],
        "{contracts.name}": "key rendered",
    }
    row = {"contracts": {"id": 42, "name": "gold"}}
    assert render_json(body, dates=ctx(), row=row) == {
        "contractId": 42,
        "filter": {"since": "2026-11-26T06:00:00", "label": "id=42"},
        "list": [42, 3, None, True],
        "gold": "key rendered",
    }


def test_missing_row_value() -> None:
    """A lookup macro rendered without its row says what is missing."""
    with pytest.raises(ConfigError, match="has no value"):
        render("{contracts.id}", dates=None, known_lookups=KNOWN)


def test_header_rejects_line_breaks() -> None:
    """Values with CR or LF cannot be put in a header (no header injection)."""
    for value in ["a\r\nX-Evil: 1", "a\nb", "a\rb"]:
        with pytest.raises(ConfigError, match="line break"):
            render("token {c.v}", dates=None, row={"c": {"v": value}}, where="header")
    assert render("v={c.v}", dates=None, row={"c": {"v": "ok é"}}, where="header") == "v=ok é"


# --- encoding: hostile values stay where they are put -------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_path_values_stay_in_one_segment(value: str) -> None:
    """A value in a path is exactly one segment, decoding back to itself."""
    path = render("/contract/{c.id}/notes", dates=None, row={"c": {"id": value}}, where="path")
    url = httpx.URL("https://api.example.com/api/v1" + path)
    segments = url.raw_path.decode("ascii").split("/")
    assert segments[:3] == ["", "api", "v1"]
    assert segments[3] == "contract"
    assert segments[5:] == ["notes"]
    assert unquote(segments[4]) == value
    assert url.query == b""
    assert url.fragment == ""


@pytest.mark.parametrize("value", HOSTILE)
def test_url_values_stay_in_their_segment_and_parameter(value: str) -> None:
    """In a whole URL, path values stay in their segment and query values in their parameter."""
    template = "https://api.example.com/api/v1/contract/{c.id}/notes?a={c.id}&b=2&since={now}"
    text = render(template, dates=ctx(), row={"c": {"id": value}}, where="url")
    url = httpx.URL(text)
    assert url.host == "api.example.com"
    segments = url.raw_path.split(b"?")[0].decode("ascii").split("/")
    assert len(segments) == 6
    assert unquote(segments[4]) == value
    assert list(url.params.multi_items()) == [
        ("a", value),
        ("b", "2"),
        ("since", "2026-11-27T06:00:00"),
    ]
    assert url.fragment == ""


@pytest.mark.parametrize("value", HOSTILE)
def test_url_with_macros_only_in_query(value: str) -> None:
    """A relative URL (as in a flow file) keeps each query value in its own parameter."""
    text = render(
        "/clientNote/search?q={c.v}&modifiedAfter={now-7}",
        dates=ctx(),
        row={"c": {"v": value}},
        where="url",
    )
    url = httpx.URL("https://h.example" + text)
    assert url.path == "/clientNote/search"
    assert dict(url.params) == {"q": value, "modifiedAfter": "2026-11-20T06:00:00"}


def test_empty_path_value_is_rejected() -> None:
    """An empty value would change the path shape, so it is refused."""
    with pytest.raises(ConfigError, match="empty path segment"):
        render("/contract/{c.id}/notes", dates=None, row={"c": {"id": ""}}, where="path")
