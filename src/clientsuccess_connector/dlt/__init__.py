"""A dlt source (https://dlthub.com) over the reading engine: load ClientSuccess into any dlt
destination (Snowflake, BigQuery, Databricks, Redshift, PostgreSQL, DuckDB, filesystem...).

    import dlt
    from clientsuccess_connector.dlt import clientsuccess_source

    pipeline = dlt.pipeline("clientsuccess", destination="duckdb", dataset_name="clientsuccess")
    pipeline.run(clientsuccess_source())

Needs the `dlt` extra: `pip install "clientsuccess-connector[dlt]"`. See docs/integrations.md.
"""

from __future__ import annotations

from clientsuccess_connector.errors import missing_extra

try:
    from clientsuccess_connector.dlt.source import clientsuccess_source
except ImportError as exc:  # dlt itself is the optional part; anything else is a real bug
    if not (exc.name or "").startswith("dlt"):
        raise
    raise missing_extra("dlt", exc) from None

__all__ = ["clientsuccess_source"]
