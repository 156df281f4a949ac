"""The retry policy of `sync --every`: 10 s doubling, never later than the interval; and how
a failed cycle is reported."""

from __future__ import annotations

import pytest

from clientsuccess_connector.cli import every
from clientsuccess_connector.cli.every import CycleFailure, retry_delay


def test_failed_cycles_back_off_by_doubling_up_to_the_interval() -> None:
    """With a 15-minute interval: 10 s, 20 s, 40 s, ... then every 15 minutes."""
    delays = [retry_delay(900, n) for n in range(1, 9)]
    assert delays == [10, 20, 40, 80, 160, 320, 640, 900]


def test_a_short_interval_is_never_retried_faster_than_itself() -> None:
    """With a 5-second interval every retry waits the interval."""
    assert [retry_delay(5, n) for n in range(1, 4)] == [5, 5, 5]


def test_a_failed_cycle_line_escapes_what_the_server_said(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An error body with terminal escapes is printed escaped, never raw to the terminal."""
    failure = CycleFailure(["clients"], "HTTP 500: \x1b[2J\x07boom")
    every._report_failure(failure, 1, 10, as_json=False)
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b[2J\\x07boom" in err
