"""dlt's rest_api source into DuckDB or PostgreSQL, merging on id (runs in .bench-venvs/dlt).

    python bench/runners/dlt_rest_api.py BASE_URL DESTINATION WORKDIR RESOURCE=PATH [...]

DESTINATION is a DuckDB file, or a postgresql:// URL (dlt's postgres destination, dataset
$CS_BENCH_DLT_DATASET, default `cs`).

Each RESOURCE=PATH (e.g. client_notes=clientNote/search) becomes one rest_api resource:
write_disposition merge, primary_key id, page_number paginator (base_page 0, `page`,
total_path totalPages), `size` 100, data_selector `data`. Everything else is dlt's default.
Prints {"records": rows loaded, "tables": {...}}.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

import dlt
from dlt.sources.rest_api import rest_api_source


def destination(target: str) -> Any:
    """dlt's postgres destination for a postgresql:// URL, else its DuckDB one for a file."""
    if target.startswith(("postgresql://", "postgres://")):
        url = urlsplit(target)
        if url.password is None and url.username:  # dlt insists on one; trust auth ignores it
            url = url._replace(netloc=f"{url.username}:unused@{url.netloc.split('@', 1)[1]}")
        return dlt.destinations.postgres(credentials=urlunsplit(url))
    return dlt.destinations.duckdb(target)


def main() -> None:
    base_url, target, workdir, *pairs = sys.argv[1:]
    resources = [
        {"name": name, "endpoint": {"path": path, "data_selector": "data"}}
        for name, path in (p.split("=", 1) for p in pairs)
    ]
    source = rest_api_source(
        {
            "client": {
                "base_url": base_url.rstrip("/") + "/",
                "headers": {"X-API-Key": os.environ.get("CS_BENCH_API_KEY", "sim-api-key")},
                "paginator": {
                    "type": "page_number",
                    "base_page": 0,
                    "page_param": "page",
                    "total_path": "totalPages",
                },
            },
            "resource_defaults": {
                "primary_key": "id",
                "write_disposition": "merge",
                "endpoint": {"params": {"size": 100}},
            },
            "resources": resources,
        }
    )
    pipeline = dlt.pipeline(
        pipeline_name="bench_cs",
        pipelines_dir=workdir,
        destination=destination(target),
        dataset_name=os.environ.get("CS_BENCH_DLT_DATASET", "cs"),
    )
    pipeline.run(source)
    tables = {}
    with pipeline.sql_client() as client:
        for name, _ in (p.split("=", 1) for p in pairs):
            tables[name] = client.execute_sql(f"SELECT count(*) FROM {name}")[0][0]
    print(json.dumps({"records": sum(tables.values()), "tables": tables}))


if __name__ == "__main__":
    main()
