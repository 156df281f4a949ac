"""Run Airbyte's ClientSuccess manifest (the third-party connector) against the simulator.

Only the hosts change: `url_base` and the login `url_base` point at a simulator started here.
The manifest logs in with POST /v1/auth (form data), sends `Authorization: <token>` and reads
all five streams through /v2 (Clients, Contacts, Contracts, Products, Custom Fields).

    .venv/bin/python bench/airbyte_compat.py AIRBYTE_PYTHON --manifest MANIFEST [--clients 50]

MANIFEST is the manifest.yaml of the source-client-success connector in Airbyte's repository
(airbyte-integrations/connectors/source-client-success/manifest.yaml); it is not kept here.
Instead of --manifest you may set CS_BENCH_AIRBYTE_MANIFEST.
The given python must have `airbyte-cdk` installed (keep it out of the project venv):
    python3 -m venv .bench-venvs/airbyte && .bench-venvs/airbyte/bin/pip install airbyte-cdk
Prints records per stream; exits 1 when a stream fails or yields nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bench.common import airbyte_manifest
from clientsuccess_connector.simulator import SimulatorConfig, run_simulator

STREAMS = ("Clients", "Contacts", "Contracts", "Products", "Custom Fields")


def _point_at(manifest: dict[str, Any], base_url: str) -> dict[str, Any]:
    requester = manifest["definitions"]["base_requester"]
    requester["url_base"] = base_url + "/"
    requester["authenticator"]["login_requester"]["url_base"] = base_url + "/v1"
    return manifest


def _run(python: str, args: list[str], workdir: Path) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [python, "-c", "from airbyte_cdk.cli.source_declarative_manifest import run; run()", *args],
        cwd=workdir, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    messages = []
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            try:
                messages.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
    return messages


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("python", help="a python interpreter with airbyte-cdk installed")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--manifest", help="the manifest.yaml (default: $CS_BENCH_AIRBYTE_MANIFEST)")
    ap.add_argument("--start-date", default="2021-01-01T00:00:00Z")
    args = ap.parse_args()
    manifest_path = airbyte_manifest(args.manifest)

    with run_simulator(SimulatorConfig(clients=args.clients, seed=args.seed)) as sim, \
            tempfile.TemporaryDirectory() as tmp:  # fmt: skip
        work = Path(tmp)
        manifest = _point_at(yaml.safe_load(manifest_path.read_text()), sim.base_url)
        (work / "manifest.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
        config = {"username": sim.username, "password": sim.password, "start_date": args.start_date}
        (work / "config.json").write_text(json.dumps(config))
        common = ["--config", "config.json", "--manifest-path", "manifest.yaml"]
        discovered = _run(args.python, ["discover", *common], work)
        catalog_msgs = [m for m in discovered if m.get("type") == "CATALOG"]
        if not catalog_msgs:
            print("discover failed", file=sys.stderr)
            return 1
        streams = catalog_msgs[0]["catalog"]["streams"]
        configured = {
            "streams": [
                {"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                for s in streams
            ]
        }
        (work / "catalog.json").write_text(json.dumps(configured))
        messages = _run(args.python, ["read", *common, "--catalog", "catalog.json"], work)
        counts: Counter[str] = Counter(
            m["record"]["stream"] for m in messages if m.get("type") == "RECORD"
        )
        errors = [
            m["trace"]["error"]["message"]
            for m in messages
            if m.get("type") == "TRACE" and m["trace"].get("type") == "ERROR"
        ]
        expected = {
            "Clients": sim.store.count("clients"),
            "Contacts": sim.store.count("contacts"),
            "Contracts": sim.store.count("contracts"),
            "Products": sim.store.count("products"),
            "Custom Fields": sim.store.count("custom_fields"),
        }
        auth_calls = sim.stats.requests("auth", 200)
    ok = not errors
    print(f"Airbyte manifest against the simulator ({args.clients} clients, seed {args.seed}):")
    for name in STREAMS:
        flag = "ok" if counts[name] == expected[name] else "MISMATCH"
        ok = ok and counts[name] == expected[name]
        print(f"  {name:<14} {counts[name]:>7} records (simulator holds {expected[name]}) {flag}")
    print(f"  logins: {auth_calls}")
    for err in errors:
        print(f"  ERROR: {err}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
