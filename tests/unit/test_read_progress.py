"""ProgressTracker: what a stream's progress says at each step, on a fake clock."""

from __future__ import annotations

from clientsuccess_connector.read.progress import ProgressTracker, ReadProgress


def tracker() -> tuple[ProgressTracker, list[ReadProgress], list[float]]:
    seen: list[ReadProgress] = []
    now = [0.0]
    return ProgressTracker("notes", seen.append, clock=lambda: now[0]), seen, now


def test_records_of_the_announced_total_with_rate_and_time_left() -> None:
    """40 of 100 records in 4 s: 40%, 10 records/s, 6 s left."""
    progress, seen, now = tracker()
    progress.announced(100, "records")
    now[0] = 4.0
    progress.page(40)
    last = seen[-1]
    assert (last.done, last.total, last.fraction, last.rate) == (40, 100, 0.4, 10.0)
    assert last.seconds_left == 6.0


def test_a_failed_read_keeps_the_total_it_fell_short_of() -> None:
    """A stream that failed at 40 of 100 ends at 40%, not 100%; a complete one ends at 100%."""
    failed, seen, _ = tracker()
    failed.announced(100, "records")
    failed.page(40)
    failed.finish(complete=False)
    assert seen[-1].finished and seen[-1].fraction == 0.4
    capped, seen, _ = tracker()
    capped.announced(100, "records")
    capped.page(40)
    capped.finish()
    assert seen[-1].total == 40 and seen[-1].fraction == 1.0


def test_a_second_pass_adds_its_total_and_windows_count_once() -> None:
    """Within a pass the largest announcement counts; the next pass adds its own."""
    progress, seen, _ = tracker()
    progress.begin_pass()
    progress.announced(50, "records")
    progress.announced(100, "records")  # another window of the same pass
    progress.page(100)
    progress.begin_pass()
    progress.announced(7, "records")
    progress.page(3)
    assert (seen[-1].done, seen[-1].total) == (103, 107)


def test_fan_out_counts_requests_of_the_lookup_values() -> None:
    """A fan-out over 4 values reports requests done of 4, with the records read beside."""
    progress, seen, _ = tracker()
    progress.announced(4, "requests")
    progress.page(10)
    progress.request_done()
    assert (seen[-1].unit, seen[-1].done, seen[-1].total, seen[-1].records) == (
        "requests", 1, 4, 10,
    )  # fmt: skip
