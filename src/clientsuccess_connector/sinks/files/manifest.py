"""The file destination's manifest, `_cs_state.json`: per stream its state, schema, primary key
and committed part files. Replacing it atomically is the commit point of every batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from clientsuccess_connector.errors import DataError
from clientsuccess_connector.sinks.atomic import atomic_write_bytes
from clientsuccess_connector.sinks.stream_schema import StreamSchema

MANIFEST = "_cs_state.json"


class Manifest:
    """The manifest of one destination directory, kept in memory and written on each change."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / MANIFEST
        self._data = self._load()

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": 1, "streams": {}}
        try:
            data = orjson.loads(self.path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise DataError(
                f"{self.path} is not valid JSON ({exc}); restore or delete it"
            ) from None
        data.setdefault("streams", {})
        return data  # type: ignore[no-any-return]

    def entry(self, stream: str) -> dict[str, Any]:
        """A copy of the stream's entry (empty for a stream never written)."""
        return dict(self._data["streams"].get(stream, {}))

    def put(self, stream: str, entry: dict[str, Any]) -> None:
        """Replace the stream's entry and durably rewrite the manifest (the commit point)."""
        data = {**self._data, "streams": {**self._data["streams"], stream: entry}}
        atomic_write_bytes(self.path, orjson.dumps(data, option=orjson.OPT_INDENT_2))
        self._data = data

    def names(self) -> list[str]:
        """Every stream with an entry (with or without rows), in manifest order."""
        return list(self._data["streams"])

    def streams(self) -> list[str]:
        """Streams that hold a table (a schema), sorted."""
        return sorted(s for s, e in self._data["streams"].items() if "schema" in e)

    def schema(self, stream: str) -> StreamSchema | None:
        """The stream's stored schema, or None when nothing was written to it yet."""
        entry = self.entry(stream)
        rows = entry.get("schema")
        if rows is None:
            return None
        key = entry.get("primary_key")
        return StreamSchema.from_json(rows, case_insensitive=True, primary_key=key)
