"""What a read knows of the server: stated in the flow file, learnt, or assumed."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import get_args

import pytest

from clientsuccess_connector.config.flow import parse_flow
from clientsuccess_connector.config.flow_model import ServerModel
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.incremental.precision import UNITS
from clientsuccess_connector.read.incremental.server_facts import (
    COUNTS,
    ServerFacts,
    ServerStatement,
)
from clientsuccess_connector.read.pagination import EnvelopePaginator, PageRequest
from clientsuccess_connector.read.pagination_config import EnvelopePagination, KeysetPagination
from clientsuccess_connector.read.run import ReadRun


def test_nothing_stated_is_assumed_and_evidence_is_learnt() -> None:
    facts = ServerFacts()
    assert str(facts.modified_after_unit) == "day (assumed)"
    assert str(facts.counts) == "exact (assumed)"
    facts.learn("counts", "none")
    facts.learn_unit("second")
    assert str(facts.counts) == "none (learnt)"
    assert str(facts.modified_after_unit) == "second (learnt)"


def test_a_stated_fact_is_configured_until_evidence_says_otherwise() -> None:
    facts = ServerFacts(ServerStatement(modified_after_unit="ms", sort_honoured=True))
    assert str(facts.modified_after_unit) == "ms (configured)"
    assert facts.precision.verified  # no probe needed to learn it
    assert str(facts.sort_honoured) == "true (configured)"
    facts.learn("sort_honoured", False)
    assert str(facts.sort_honoured) == "false (learnt)"


def test_a_coarser_unit_kept_in_the_state_wins_over_a_finer_statement() -> None:
    facts = ServerFacts(ServerStatement(modified_after_unit="ms"))
    facts.remember_unit("second")
    assert str(facts.modified_after_unit) == "second (learnt)"
    finer = ServerFacts(ServerStatement(modified_after_unit="second"))
    finer.remember_unit("ms")
    assert str(finer.modified_after_unit) == "second (configured)"


def test_another_lookup_value_starts_from_the_statement_alone() -> None:
    facts = ServerFacts(ServerStatement(counts="none"))
    facts.learn("max_page_size", 50)
    fresh = facts.fresh()
    assert fresh.stated == facts.stated
    assert str(fresh.max_page_size) == "unknown (assumed)"


def test_a_flow_file_states_server_facts() -> None:
    raw = {"server": {"modified_after_unit": "second", "counts": "none", "max_page_size": 100}}
    flow = parse_flow(raw, path=Path("flow.yaml"), env={})
    assert flow.server == ServerStatement(
        modified_after_unit="second", counts="none", max_page_size=100
    )
    assert parse_flow({}, path=Path("flow.yaml"), env={}).server == ServerStatement()


@pytest.mark.parametrize(
    ("server", "message"),
    [
        ({"modified_after_unit": "minute"}, "server.modified_after_unit"),
        ({"counts": "maybe"}, "server.counts"),
        ({"max_page_size": 0}, "server.max_page_size"),
        ({"sort_honoured": 3}, "server.sort_honoured"),
        ({"sorted": True}, "sorted"),
    ],
)
def test_a_wrong_server_fact_is_one_line_naming_it(server: object, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_flow({"server": server}, path=Path("flow.yaml"), env={})
    text = str(error.value)
    assert message in text
    assert "\n" not in text
    with pytest.raises(ConfigError, match=message):
        ServerStatement.parse(server if isinstance(server, dict) else {}, where="flow.yaml")


def test_a_stated_page_size_caps_what_pages_ask_for() -> None:
    run = ReadRun(facts=ServerFacts(ServerStatement(max_page_size=100)))
    paginator = EnvelopePaginator(EnvelopePagination(page_size=500), run)
    first = paginator.first(PageRequest("POST", "http://api.test/search"))
    assert first.params[paginator.spec.size_param] == 100


def test_paginator_configs_are_comparable_specs() -> None:
    """No run-time state inside a config: two alike configs are equal and hashable."""
    assert KeysetPagination(keyset_field="modifiedTime") == KeysetPagination(
        keyset_field="modifiedTime"
    )
    assert len({EnvelopePagination(page_size=50), EnvelopePagination(page_size=50)}) == 1
    assert "trail" not in KeysetPagination.options()


def test_the_flow_schema_and_the_library_accept_the_same_server_facts() -> None:
    """The `server:` block is checked by the flow file's schema (editors, `validate`) and by
    `ServerStatement.parse` (library callers): the two must name the same facts and values."""
    model = ServerModel.model_fields
    assert set(model) == {f.name for f in fields(ServerStatement)}
    assert get_args(get_args(model["modified_after_unit"].annotation)[0]) == tuple(UNITS)
    assert get_args(get_args(model["counts"].annotation)[0]) == COUNTS
