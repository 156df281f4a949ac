"""Property tests: macro expansion either expands or raises; values never escape their place."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

import httpx
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.macros import DateMacroContext, parse_macros, render, shift

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
VALUES = st.text(min_size=1, max_size=20).filter(lambda v: v.strip() != "")


@settings(max_examples=300, deadline=None)
@given(value=VALUES)
def test_path_value_is_one_segment(value: str) -> None:
    """Any non-empty value stays one path segment that decodes back to itself."""
    assume("\x00" not in value)
    path = render("/c/{l.v}/n", dates=None, row={"l": {"v": value}}, where="path")
    url = httpx.URL("https://h.example" + path)
    segments = url.raw_path.decode("ascii").split("/")
    assert len(segments) == 4
    assert unquote(segments[2]) == value
    assert segments[3] == "n"


@settings(max_examples=300, deadline=None)
@given(value=VALUES, other=VALUES)
def test_url_query_values_stay_in_their_parameter(value: str, other: str) -> None:
    """Query values of a whole URL come back as exactly the parameters written."""
    text = render(
        "/c/{l.v}?a={l.v}&b={l.w}",
        dates=None,
        row={"l": {"v": value, "w": other}},
        where="url",
    )
    url = httpx.URL("https://h.example" + text)
    assert list(url.params.multi_items()) == [("a", value), ("b", other)]
    assert url.fragment == ""


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('{}now+-1 .abc"x')), max_size=25))
def test_expand_or_raise(text: str) -> None:
    """Rendering any text either succeeds (no macro shapes left to expand) or is a ConfigError."""
    row = {"abc": {"x": "V"}}
    try:
        rendered = render(text, dates=DateMacroContext(NOW), row=row)
    except ConfigError:
        return
    refs = parse_macros(text)
    assert all(ref.kind in {"date", "lookup"} for ref in refs)
    if not refs and "{{" not in text:
        assert rendered == text


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    months=st.integers(-400, 400),
)
def test_month_shift_clamps_and_keeps_time(moment: datetime, months: int) -> None:
    """Month arithmetic lands in the right month, never past its end, same time of day."""
    shifted = shift(moment, months, "month")
    assert (shifted.year * 12 + shifted.month) - (moment.year * 12 + moment.month) == months
    assert shifted.day == moment.day or shifted.day < moment.day
    assert shifted.time() == moment.time()
