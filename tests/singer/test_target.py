"""A real Singer target (target-jsonl from PyPI) fed by the tap receives exactly the
simulator's records, and from the state it hands back, exactly the records changed since."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from clientsuccess_connector.simulator import SimulatorHandle
from tests.integration.helpers import normal
from tests.integration.simulator_changes import (
    CHECKED_FIELDS,
    DEFAULT_STREAMS,
    change_some_records,
    changed_since,
    snapshot,
)


def tap_to_target(target: Path, config: Path, out: Path, *extra: str) -> dict[str, Any]:
    """`tap-clientsuccess-connector --config C [extra] | target-jsonl`; the state it returns."""
    (out / "target.json").write_text(json.dumps({"destination_path": str(out),
                                                 "do_timestamp_file": False}))  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTSUCCESS_")}
    tap_cmd = [sys.executable, "-m", "clientsuccess_connector", "singer", "--config", str(config)]
    with subprocess.Popen([*tap_cmd, *extra], stdout=subprocess.PIPE, env=env) as tap:
        done = subprocess.run([str(target), "--config", str(out / "target.json")],
                              stdin=tap.stdout, capture_output=True, text=True, check=False,
                              timeout=300)  # fmt: skip
    assert tap.returncode == 0
    assert done.returncode == 0, done.stderr
    states = [line for line in done.stdout.splitlines() if line.strip()]
    value: dict[str, Any] = json.loads(states[-1])
    return value


def landed(out: Path) -> dict[str, dict[int, dict[str, Any]]]:
    """What the target wrote, per stream, by id (a record sent twice counts once)."""
    streams: dict[str, dict[int, dict[str, Any]]] = {}
    for name in DEFAULT_STREAMS:
        path = out / f"{name}.jsonl"
        lines = path.read_text().splitlines() if path.exists() else []
        streams[name] = {r["id"]: r for r in map(json.loads, lines)}
    return streams


def assert_same(got: dict[int, dict[str, Any]], expected: dict[int, dict[str, Any]],
                stream: str) -> None:  # fmt: skip
    """The same ids, each with the simulator's values."""
    assert set(got) == set(expected), stream
    for rid, record in expected.items():
        for name in CHECKED_FIELDS[stream]:
            assert normal(got[rid].get(name)) == normal(record.get(name)), (stream, rid, name)


def test_target_receives_the_simulator_then_exactly_the_changes(
    simulator: SimulatorHandle, tap_config: Path, target_jsonl: Path, tmp_path: Path
) -> None:
    """Six default streams land whole; the run from the emitted state lands only what changed."""
    first_out, second_out = tmp_path / "first", tmp_path / "second"
    first_out.mkdir()
    second_out.mkdir()
    state = tap_to_target(target_jsonl, tap_config, first_out)
    before = snapshot(simulator)
    first = landed(first_out)
    for name in DEFAULT_STREAMS:
        assert_same(first[name], before[name], name)
    assert set(state["bookmarks"]) == set(DEFAULT_STREAMS)

    change_some_records(simulator)
    after = snapshot(simulator)
    changed = changed_since(before, after)
    assert sum(map(len, changed.values())) >= 4
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(state))
    tap_to_target(target_jsonl, tap_config, second_out, "--state", str(state_file))
    second = landed(second_out)
    for name in DEFAULT_STREAMS:
        assert_same(second[name], changed[name], name)
