"""The studio's Test button: one sample, and the raw view is that sample's own first response."""

from __future__ import annotations

import orjson

from clientsuccess_connector.config.flow import parse_flow
from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.read.endpoint import SourceSpec
from clientsuccess_connector.simulator import SimulatorConfig, run_simulator
from clientsuccess_connector.studio.services import common, source_sample


def test_test_asks_for_the_first_page_once_and_shows_it_raw() -> None:
    """A one-page sample costs one request; the raw view and the suggestions come from it."""
    with run_simulator(SimulatorConfig(clients=5, seed=3)) as sim:
        settings = ConnectionSettings(base_url=sim.api_v1_url, api_key=sim.api_key)
        flow = parse_flow({}, path=None, env={})
        spec = SourceSpec(name="t", template="search_clients")
        result = source_sample.test_source(settings, spec, flow)
        requests = sim.stats.requests()
    assert requests == 1
    assert len(result.requests) == 1
    raw = orjson.loads(result.raw)
    assert [c["id"] for c in raw["data"]] == [r["id"] for r in result.records]
    assert result.data_paths, "suggestions come from the same response"


def test_sample_cells_show_values_orjson_refuses_exactly() -> None:
    """An integer beyond 64 bits, or nesting deeper than orjson goes, still shows (exactly)."""
    assert common.cell({"n": 2**70}) == '{"n":1180591620717411303424}'
    deep: object = 1
    for _ in range(300):
        deep = [deep]
    assert common.cell(deep) == "[" * 300 + "1" + "]" * 300
