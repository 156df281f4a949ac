"""Durations as flow files and flags write them: `30s`, `15m`, `2h`, `1d`.

A source's `every:` (its cadence, `syncing/cadence.py`) and `sync --every` both use them.
"""

from __future__ import annotations

import re
from datetime import timedelta

from clientsuccess_connector.errors import ConfigError

_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, what: str) -> timedelta:
    """`30s`, `15m`, `2h`, `1d`; a ConfigError naming `what` (e.g. `--every`) otherwise."""
    match = _DURATION.match(str(text).strip().lower())
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f"{what} {text!r} is not a duration; use e.g. 30s, 15m, 2h or 1d")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def describe_duration(every: timedelta) -> str:
    """`every` in the largest unit that divides it: `1d`, `90m`, `45s`."""
    seconds = int(every.total_seconds())
    for unit in ("d", "h", "m"):
        if seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"
