"""`simulate`'s server profile flags (how searches behave), built into a ServerProfile.

Every flag is a ServerProfile field: its default, its choices (`CHOICES`) and its limits
(`RANGES`) come from simulator/profile.py, so the flags cannot drift from the profile; only
the help texts (in `--help` order) live here."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import click

from clientsuccess_connector.cli.bundles import OptionBundle
from clientsuccess_connector.simulator.profile import CHOICES, RANGES, ServerProfile

_HELP = {
    "query_cost": "indexed: searches come from a cached index; scan: a filtered or sorted "
    "search scans and sorts every record, and a deep page costs like SQL OFFSET.",
    "after_precision": "Unit in which modifiedAfter is compared to modifiedTime.",
    "after_compare": "Whether modifiedAfter means strictly after or at or after.",
    "sort": "ignored: every search answers newest first whatever sortBy says.",
    "counts": "missing: search pages carry no totalElements or totalPages; overstated: "
    "totalElements is one more than the search returns.",
    "not_found": "plain: every 404 has the same body, for an unknown route and an unknown "
    "record alike, as many gateways answer.",
    "page_cap": "Serve at most this many records a page whatever size asks; the envelope's "
    "size and totalPages say the size used (0 = no cap).",
    "size_echo": "asked: a search page's size field says the size asked for, not the one "
    "the server used.",
    "null_stamps": "Percent of seeded records whose cursor field (modifiedTime) is null; "
    "searches sort nulls last and modifiedAfter never matches them.",
    "clock_offset": "Seconds the server clock runs ahead (negative: behind): record stamps "
    "and the Date header.",
    "visibility_lag": "Seconds after its stamp a change shows in searches (a lagging replica; "
    "until then the earlier version).",
    "lag_spread": "random: each change waits a seeded share of the lag, so changes show out "
    "of their stamps' order.",
    "duplicates": "Percent of records a search lists twice (a join; totalElements counts rows).",
    "duplicate_copy": "older: a duplicate's second row has a modifiedTime one hour earlier.",
    "bulk_results": "How bulk writes number their per-item results: one-based (the first item "
    "is index 1) or shuffled (zero-based, in another order).",
}
_DEFAULTS = {f.name: f.default for f in fields(ServerProfile)}


def _option(name: str) -> Any:
    """The flag of ServerProfile field `name`."""
    kind: Any
    if name in CHOICES:
        kind = click.Choice(CHOICES[name])
    else:
        low, high = RANGES[name]
        kind = int if low is None and high is None else click.IntRange(low, high)
    return click.option(
        "--" + name.replace("_", "-"), name, default=_DEFAULTS[name], show_default=True,
        type=kind, help=_HELP[name],
    )  # fmt: skip


# Each option's name is a ServerProfile field (tests/simulator/test_profile_cli.py checks all are).
SERVER_PROFILE_OPTIONS = OptionBundle(ServerProfile, *map(_option, _HELP))
