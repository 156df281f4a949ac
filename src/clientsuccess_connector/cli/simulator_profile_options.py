"""`simulate`'s server profile flags (how searches behave), built into a ServerProfile."""

from __future__ import annotations

import click

from clientsuccess_connector.cli.bundles import OptionBundle
from clientsuccess_connector.simulator.profile import (
    BULK_RESULTS,
    COMPARES,
    COPIES,
    COUNTS,
    ECHOES,
    NOT_FOUND,
    PRECISIONS,
    QUERY_COSTS,
    SORTS,
    SPREADS,
    ServerProfile,
)

# Each option's name is a ServerProfile field (tests/simulator/test_profile_cli.py checks all are).
SERVER_PROFILE_OPTIONS = OptionBundle(
    ServerProfile,
    click.option(
        "--query-cost",
        default="indexed",
        show_default=True,
        type=click.Choice(QUERY_COSTS),
        help="indexed: searches come from a cached index; scan: a filtered or sorted "
        "search scans and sorts every record, and a deep page costs like SQL "
        "OFFSET.",
    ),
    click.option(
        "--after-precision",
        default="ms",
        show_default=True,
        type=click.Choice(tuple(PRECISIONS)),
        help="Unit in which modifiedAfter is compared to modifiedTime.",
    ),
    click.option(
        "--after-compare",
        default="after",
        show_default=True,
        type=click.Choice(COMPARES),
        help="Whether modifiedAfter means strictly after or at or after.",
    ),
    click.option(
        "--sort",
        "sort",
        default="honoured",
        show_default=True,
        type=click.Choice(SORTS),
        help="ignored: every search answers newest first whatever sortBy says.",
    ),
    click.option(
        "--counts",
        default="exact",
        show_default=True,
        type=click.Choice(COUNTS),
        help="missing: search pages carry no totalElements or totalPages; overstated: "
        "totalElements is one more than the search returns.",
    ),
    click.option(
        "--not-found",
        default="detailed",
        show_default=True,
        type=click.Choice(NOT_FOUND),
        help="plain: every 404 has the same body, for an unknown route and an unknown "
        "record alike, as many gateways answer.",
    ),
    click.option(
        "--page-cap",
        default=0,
        show_default=True,
        type=click.IntRange(min=0),
        help="Serve at most this many records a page whatever size asks; the envelope's "
        "size and totalPages say the size used (0 = no cap).",
    ),
    click.option(
        "--size-echo",
        default="used",
        show_default=True,
        type=click.Choice(ECHOES),
        help="asked: a search page's size field says the size asked for, not the one "
        "the server used.",
    ),
    click.option(
        "--null-stamps",
        default=0,
        show_default=True,
        type=click.IntRange(0, 100),
        help="Percent of seeded records whose cursor field (modifiedTime) is null; "
        "searches sort nulls last and modifiedAfter never matches them.",
    ),
    click.option(
        "--clock-offset",
        default=0,
        show_default=True,
        type=int,
        help="Seconds the server clock runs ahead (negative: behind): record stamps "
        "and the Date header.",
    ),
    click.option(
        "--visibility-lag",
        default=0,
        show_default=True,
        type=click.IntRange(min=0),
        help="Seconds after its stamp a change shows in searches (a lagging replica; "
        "until then the earlier version).",
    ),
    click.option(
        "--lag-spread",
        default="fixed",
        show_default=True,
        type=click.Choice(SPREADS),
        help="random: each change waits a seeded share of the lag, so changes show out "
        "of their stamps' order.",
    ),
    click.option(
        "--duplicates",
        default=0,
        show_default=True,
        type=click.IntRange(0, 100),
        help="Percent of records a search lists twice (a join; totalElements counts rows).",
    ),
    click.option(
        "--duplicate-copy",
        default="same",
        show_default=True,
        type=click.Choice(COPIES),
        help="older: a duplicate's second row has a modifiedTime one hour earlier.",
    ),
    click.option(
        "--bulk-results",
        default="zero-based",
        show_default=True,
        type=click.Choice(BULK_RESULTS),
        help="How bulk writes number their per-item results: one-based (the first item "
        "is index 1) or shuffled (zero-based, in another order).",
    ),
)
