"""The PostgreSQL fixture of the destination tests, for the harness's PostgreSQL runs."""

from tests.sinks.conftest import postgres_url

__all__ = ["postgres_url"]
