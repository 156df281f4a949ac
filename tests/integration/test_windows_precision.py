"""Keyset windows on a server that compares `modifiedAfter` to the second."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.incremental.precision import safe_after
from clientsuccess_connector.read.incremental.server_facts import ServerFacts, ServerStatement
from clientsuccess_connector.read.incremental.windows import plan_windows, read_windows
from clientsuccess_connector.read.pagination_config import keyset_on
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.read.run import ReadRun
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.simulator.profile import ServerProfile
from tests.integration.helpers import connect
from tests.integration.test_sync_profiles import add_in_one_second


def test_windows_cut_inside_a_crowded_second_read_every_record(
    simulator: SimulatorHandle,
) -> None:
    """With 1,000 pulses in one second, window boundaries fall inside that second; each
    window starts early enough that the server's second-precision filter drops none of them."""
    simulator.profile = ServerProfile(after_precision="second")
    add_in_one_second(simulator, "pulses", 1000, "createdTimestamp")
    field = "createdTimestamp"
    run = ReadRun(facts=ServerFacts(ServerStatement(modified_after_unit="second")))
    source = resolve(SourceSpec("pulses", template="search_pulses"))
    source = replace(source, pagination=keyset_on(source.pagination, field))
    query = envelope().ascending_by(field)
    with connect(simulator) as connection, Reader(connection) as reader:
        windows = plan_windows(reader, source, query, field, 8, run)
        assert len(windows) >= 2  # a boundary falls inside the crowded second
        seen = {
            record["id"]
            for _, page in read_windows(reader, source, query, windows, field, run)
            for record in page or ()
        }
    assert seen == {record["id"] for record in simulator.store.records("pulses")}


def test_windows_that_would_start_at_the_same_place_are_read_as_one(
    simulator: SimulatorHandle,
) -> None:
    """A unit not learnt yet is taken as a day: every boundary within one day would make its
    window start that day before, re-reading all the windows before it. They are one window,
    and every record is still read."""
    add_in_one_second(simulator, "pulses", 1000, "createdTimestamp")
    field = "createdTimestamp"
    source = resolve(SourceSpec("pulses", template="search_pulses"))
    source = replace(source, pagination=keyset_on(source.pagination, field))
    run = ReadRun()  # the unit not learnt yet: a day is assumed
    since = safe_after(datetime.now(UTC) - timedelta(minutes=5), "day")  # an incremental run's
    query = {
        **envelope().ascending_by(field),
        envelope().modified_after_param: format_timestamp(since),
    }
    with connect(simulator) as connection, Reader(connection) as reader:
        windows = plan_windows(reader, source, query, field, 8, run)
        read = [
            record["id"]
            for _, page in read_windows(reader, source, query, windows, field, run)
            for record in page or ()
        ]
    starts = [w.after for w in windows]
    assert len(set(starts)) == len(starts)  # no two windows start at the same place
    recent = {
        r["id"]
        for r in simulator.store.records("pulses")
        if (parse_timestamp(r[field]) or since) >= since
    }
    assert set(read) == recent
    assert len(read) < 2 * len(set(read))  # not read again window after window
