"""The New data flow form: its choices, and a source entry from the values filled in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from clientsuccess_connector.config.flow import parse_flow
from clientsuccess_connector.read.endpoint import METHODS, SourceSpec
from clientsuccess_connector.read.macros import DEFAULT_DATE_FORMAT, TIME_UNITS

DATE_FORMATS = (
    DEFAULT_DATE_FORMAT,
    "yyyy-MM-dd",
    "yyyy-MM-dd'T'HH:mm:ss'Z'",
    "%Y-%m-%dT%H:%M:%S.000Z",
    "epoch",
    "epoch_ms",
)
TIME_UNIT_CHOICES = TIME_UNITS
HTTP_METHODS = METHODS


def source_entry(values: Mapping[str, Any]) -> dict[str, Any]:
    """A flow file's source entry from form values, leaving out what is empty."""
    return {k: v for k, v in values.items() if v not in (None, "", {}, [])}


def spec_from_entry(name: str, entry: Mapping[str, Any]) -> SourceSpec:
    """The SourceSpec a source entry describes, validated the way the flow file is."""
    flow = parse_flow({"sources": {name or "test": dict(entry)}}, path=None, env=os.environ)
    return next(iter(flow.sources.values()))
