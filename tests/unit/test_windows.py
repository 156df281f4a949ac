"""The low-water cursor of windowed reads never passes an uncommitted record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from clientsuccess_connector.read.incremental.windows import LowWater, Window

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def at(minutes: int) -> datetime:
    """T0 plus some minutes."""
    return T0 + timedelta(minutes=minutes)


def rec(minutes: int) -> dict[str, str]:
    """A record modified `minutes` after T0."""
    return {"modifiedTime": at(minutes).strftime("%Y-%m-%dT%H:%M:%S.000Z")}


WINDOWS = [Window(0, None, at(10)), Window(1, at(10), at(20)), Window(2, at(20), None)]


def test_later_windows_do_not_move_the_cursor_past_an_unfinished_one() -> None:
    """Window 2 racing ahead leaves the cursor at what window 0 has committed."""
    lw = LowWater(WINDOWS, "modifiedTime", at(1000))
    lw.observe(2, [rec(25), rec(30)])
    assert lw.cursor() is None  # window 0 has committed nothing yet
    lw.observe(0, [rec(1), rec(3)])
    assert lw.cursor() == at(3)


def test_finished_windows_hand_over_to_the_next() -> None:
    """Once window 0 is complete, the cursor is window 1's progress (or its start)."""
    lw = LowWater(WINDOWS, "modifiedTime", at(1000))
    lw.observe(0, [rec(5)])
    lw.observe(0, None)
    assert lw.cursor() == at(10)
    lw.observe(1, [rec(12)])
    assert lw.cursor() == at(12)
    lw.observe(1, None)
    lw.observe(2, [rec(40)])
    lw.observe(2, None)
    assert lw.cursor() == at(40)


def test_cursor_never_passes_the_run_start() -> None:
    """Records changed during the run are asked for again next time."""
    lw = LowWater([Window(0, None, None)], "modifiedTime", at(30))
    lw.observe(0, [rec(50)])
    lw.observe(0, None)
    assert lw.cursor() == at(30)


def test_first_window_falls_back_to_the_previous_cursor() -> None:
    """An incremental run that has committed nothing keeps the cursor it started from."""
    lw = LowWater(WINDOWS, "modifiedTime", at(1000), floor=at(2))
    lw.observe(2, [rec(25)])
    assert lw.state() == {"cursor_field": "modifiedTime", "cursor": "2025-01-01T00:02:00.000Z"}
