"""What produced a stream's state: the instance, the source definition and the table.

Each state a sync stores carries its provenance. The next run trusts the state's cursor only
when the provenance is the same and the table is still there, as full as the state says it was
left: otherwise it reads in full and says why. A table holding another instance's records is
never merged into silently: the stream fails with the fix (another destination, or
`--full-refresh` to replace them).

    {"cursor": "...", "provenance": {"instance": "https://acme.example",
     "base_url": "https://acme.example/api/v1",
     "source": "3f1c0a9e52b7d418", "table": "pulses", "what": "template search_pulses"},
     "rows": 5864}
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from clientsuccess_connector.connection.urls import origin
from clientsuccess_connector.read.endpoint import Source

KEY = "provenance"
ROWS = "rows"  # the table's row count when the stream's last run ended


@dataclass(frozen=True, slots=True)
class Provenance:
    """The instance a stream is read from, its source definition (a digest) and its table."""

    instance: str  # the origin: one ClientSuccess instance, whichever API root is used
    base_url: str
    source: str
    table: str
    what: str  # the template, or the method and path of a manual source (for `state`)

    @classmethod
    def of(cls, base_url: str, source: Source, table: str) -> Provenance:
        """The provenance of reading `source` from the instance at `base_url` into `table`."""
        what = f"template {source.template.name}" if source.template else f"{source.method} "
        what += "" if source.template else source.url
        base = base_url.rstrip("/")
        return cls(origin(base), base, definition_digest(source), table, what)

    def as_state(self) -> dict[str, str]:
        """The provenance as stored in the state."""
        return {"instance": self.instance, "base_url": self.base_url, "source": self.source,
                "table": self.table, "what": self.what}  # fmt: skip


def definition_digest(source: Source) -> str:
    """A digest of everything that decides which records a source selects and how they are
    keyed: a change of any of it (a filter widened, another route) makes the cursor
    meaningless. Header values are left out (they may be secrets; a digest of a short secret
    could be guessed)."""
    definition = {
        "template": source.template.name if source.template else None,
        "method": source.method, "url": source.url, "query": source.query,
        "path": source.path_values, "body": source.body, "headers": sorted(source.headers),
        "data_path": source.data_path, "primary_key": source.primary_key,
        "incremental_field": source.incremental_field,
    }  # fmt: skip
    text = orjson.dumps(definition, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(text).hexdigest()[:16]


def distrust(state: Mapping[str, Any] | None, current: Provenance, rows: int | None) -> str | None:
    """Why a stored state's cursor cannot be trusted for `current` (None: it can). `rows` is
    the table's row count now, None when the table is gone."""
    if state is None or not state:
        return None
    stored = state.get(KEY)
    if rows is None:
        return f"its table {current.table!r} is gone"
    if not isinstance(stored, Mapping):
        return "its state does not say what produced it (written by an earlier version)"
    if stored.get("source") != current.source:
        return "its source definition changed since the state was stored"
    if stored.get("table") != current.table:
        return f"its state was stored for table {stored.get('table')!r}"
    committed = state.get(ROWS)
    if isinstance(committed, int) and rows < committed:
        return f"its table holds {rows:,} row(s) where the last run left {committed:,}"
    return None


def other_instance(state: Mapping[str, Any] | None, current: Provenance) -> str | None:
    """The instance whose records the stream's table holds, when it is not `current`'s."""
    stored = (state or {}).get(KEY)
    if not isinstance(stored, Mapping):
        return None
    instance = stored.get("instance")
    return str(instance) if instance and instance != current.instance else None
