"""Airbyte's ClientSuccess manifest run by airbyte-cdk, output discarded (.bench-venvs/airbyte).

    python bench/runners/airbyte_manifest.py MANIFEST BASE_URL WORKDIR STREAM [STREAM ...]

Only the hosts of the manifest change (url_base and the login url_base point at BASE_URL).
The declarative source runs as `source-declarative-manifest read` would, through
AirbyteEntrypoint.run, which yields each message serialised; records are counted and dropped
instead of printed. Prints {"records": n, "streams": {...}, "errors": [...]}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml
from airbyte_cdk.cli.source_declarative_manifest._run import create_declarative_source
from airbyte_cdk.entrypoint import AirbyteEntrypoint


def main() -> None:
    manifest_path, base_url, workdir, *streams = sys.argv[1:]
    work = Path(workdir)
    manifest = yaml.safe_load(Path(manifest_path).read_text())
    requester = manifest["definitions"]["base_requester"]
    requester["url_base"] = base_url.rstrip("/") + "/"
    requester["authenticator"]["login_requester"]["url_base"] = base_url.rstrip("/") + "/v1"
    (work / "manifest.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    config = {"username": "api@example.com", "password": "sim-password",
              "start_date": "2021-01-01T00:00:00Z"}  # fmt: skip
    (work / "config.json").write_text(json.dumps(config))
    catalog = {
        "streams": [
            {
                "stream": {"name": s, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
            for s in streams
        ]
    }
    (work / "catalog.json").write_text(json.dumps(catalog))
    args = ["read", "--config", str(work / "config.json"), "--catalog",
            str(work / "catalog.json"), "--manifest-path", str(work / "manifest.yaml")]  # fmt: skip
    source = create_declarative_source(args)
    entrypoint = AirbyteEntrypoint(source)
    counts: dict[str, int] = dict.fromkeys(streams, 0)
    errors: list[str] = []
    for message in entrypoint.run(entrypoint.parse_args(args)):
        if message.startswith('{"type":"RECORD"'):
            start = message.find('"stream":"') + 10  # cheap: no parse of the record itself
            stream = message[start : message.find('"', start)]
            counts[stream] = counts.get(stream, 0) + 1
        elif '"type":"TRACE"' in message and '"ERROR"' in message:
            errors.append(json.loads(message)["trace"]["error"]["message"])
    print(json.dumps({"records": sum(counts.values()), "streams": counts, "errors": errors}))


if __name__ == "__main__":
    main()
