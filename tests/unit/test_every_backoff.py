"""The retry policy of `sync --every`: 10 s doubling, never later than the interval."""

from __future__ import annotations

from clientsuccess_connector.cli.every import retry_delay


def test_failed_cycles_back_off_by_doubling_up_to_the_interval() -> None:
    """With a 15-minute interval: 10 s, 20 s, 40 s, ... then every 15 minutes."""
    delays = [retry_delay(900, n) for n in range(1, 9)]
    assert delays == [10, 20, 40, 80, 160, 320, 640, 900]


def test_a_short_interval_is_never_retried_faster_than_itself() -> None:
    """With a 5-second interval every retry waits the interval."""
    assert [retry_delay(5, n) for n in range(1, 4)] == [5, 5, 5]
