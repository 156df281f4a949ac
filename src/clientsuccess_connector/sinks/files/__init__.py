"""File destinations (JSON lines, CSV, Parquet): `FileSink`, its manifest and its merge SQL."""

from __future__ import annotations

from clientsuccess_connector.sinks.files.sink import FileSink

__all__ = ["FileSink"]
