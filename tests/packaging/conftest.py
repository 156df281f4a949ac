"""The PostgreSQL fixture of the destination tests, for the `[postgres]` install's sync."""

from tests.sinks.conftest import postgres_url

__all__ = ["postgres_url"]
