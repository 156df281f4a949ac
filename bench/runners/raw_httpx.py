"""The raw limit: a minimal httpx + orjson loop over the same pages, records discarded.

    python bench/runners/raw_httpx.py BASE_URL PATH [--size 100] [--sorted] [--api-key KEY]

Pages `PATH?page=N&size=SIZE` until `last`, parses each page with orjson and throws it away.
One connection, one page at a time. Without --sorted it asks for the server's own order, as our
default sync's full read and dlt do; --sorted adds `sortBy=modifiedTime&sortDirection=asc`.
"""

from __future__ import annotations

import argparse
import sys

import httpx
import orjson


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("base_url")
    ap.add_argument("path")
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--sorted", action="store_true", help="ascending on modifiedTime")
    ap.add_argument("--api-key", default="sim-api-key")
    args = ap.parse_args()
    records = pages = 0
    params: dict[str, str | int] = {"size": args.size, "page": 0}
    if args.sorted:
        params |= {"sortBy": "modifiedTime", "sortDirection": "asc"}
    with httpx.Client(
        base_url=args.base_url, headers={"X-API-Key": args.api_key}, timeout=120
    ) as http:
        while True:
            resp = http.get(args.path, params=params)
            resp.raise_for_status()
            body = orjson.loads(resp.content)
            records += len(body["data"])
            pages += 1
            if body["last"] or not body["data"]:
                break
            params["page"] = pages
    sys.stdout.write(orjson.dumps({"records": records, "pages": pages}).decode() + "\n")


if __name__ == "__main__":
    main()
