"""Shared tools of the reliability suite: distinctive secrets, a secret scanner, table rows.

Every simulator here is started with `SECRETS` so that a leak is unmistakable: the scanner
looks for the raw value and its URL-encoded forms in every byte the scenario produced.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import orjson

from clientsuccess_connector.read.default_streams import DEFAULT_STREAMS
from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator
from clientsuccess_connector.sinks import open_sink
from tests.integration.helpers import normal

API_KEY = "sk-rel-APIKEY-5b1e0d7c"
PASSWORD = "pw-rel-PASSWORD-93c2aa"
USERNAME = "reliability@example.com"


@dataclass
class Row:
    """One line of a results table."""

    table: str  # "reads", "writes", "crash"
    scenario: str
    rate: str
    target: str
    runs: int
    records: int
    lost: int
    duplicated: int
    secrets: int = 0
    note: str = ""


def config(**overrides: Any) -> SimulatorConfig:
    """A simulator config with the suite's distinctive credentials."""
    base: dict[str, Any] = {
        "clients": 20, "seed": 1, "api_key": API_KEY, "username": USERNAME,
        "password": PASSWORD,
    }  # fmt: skip
    base.update(overrides)
    return SimulatorConfig(**base)


class TokenRecorder:
    """Records every session token the simulator issues (they are secrets too)."""

    def __init__(self, sim: SimulatorHandle) -> None:
        self.tokens: list[str] = []
        auth = sim.app.auth
        original = auth.issue

        def issue() -> str:
            token = original()
            self.tokens.append(token)
            return token

        auth.issue = issue  # type: ignore[method-assign]


@contextmanager
def simulator(**overrides: Any) -> Iterator[tuple[SimulatorHandle, TokenRecorder]]:
    """A fresh simulator with the suite's credentials, and a recorder of its session tokens."""
    with run_simulator(config(**overrides)) as sim:
        yield sim, TokenRecorder(sim)


def secret_forms(secrets: Iterable[str]) -> dict[str, bytes]:
    """Every secret as raw, percent-encoded and form-encoded bytes (label -> bytes)."""
    forms: dict[str, bytes] = {}
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            forms[form] = form.encode()
    return forms


def scan(
    secrets: Iterable[str], *, texts: Iterable[str] = (), paths: Iterable[Path] = ()
) -> list[str]:
    """Where any secret appears: in the given texts, or in the bytes of files (dirs walked)."""
    forms = secret_forms(secrets)
    hits: list[str] = []
    for i, text in enumerate(texts):
        data = text.encode("utf-8", "replace")
        hits += [f"text #{i}: {form}" for form, raw in forms.items() if raw in data]
    for path in paths:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            data = file.read_bytes()
            hits += [f"{file}: {form}" for form, raw in forms.items() if raw in data]
    return hits


def all_secrets(tokens: TokenRecorder | None = None) -> list[str]:
    """The API key, the password and every session token issued so far."""
    return [API_KEY, PASSWORD, *(tokens.tokens if tokens else [])]


def compare_with_simulator(sim: SimulatorHandle, url: str) -> tuple[int, int, int]:
    """(records expected, lost, duplicated) of every default stream in `url` versus the store.

    A record is lost when its id is missing or its row does not hold the simulator's current
    values (a stale version counts as lost: the change was never synced).
    """
    expected_total = lost = duplicated = 0
    with open_sink(url) as sink:
        present = set(sink.streams())
        for stream in DEFAULT_STREAMS:
            rows = sink.read_rows(stream) if stream in present else []
            counts = Counter(int(r["id"]) for r in rows)
            duplicated += sum(n - 1 for n in counts.values())
            by_id = {int(r["id"]): r for r in rows}
            for record in sim.store.records(stream):
                expected_total += 1
                row = by_id.get(int(record["id"]))
                if row is None or any(
                    normal(row.get(k)) != normal(v) for k, v in record.items() if v is not None
                ):
                    lost += 1
    return expected_total, lost, duplicated


def ledger_states(path: Path) -> dict[int, dict[str, Any]]:
    """Each row's last ledger line (its current state)."""
    states: dict[int, dict[str, Any]] = {}
    if not path.exists():
        return states
    for line in path.read_bytes().splitlines():
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue  # a line torn by a kill
        if "row" in entry:  # not the header line
            states[entry["row"]] = entry
    return states


def subprocess_env(sim: SimulatorHandle, **extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess against `sim`."""
    return {**os.environ, **sim.env(), **extra}


def size(*, texts: Iterable[str] = (), paths: Iterable[Path] = ()) -> int:
    """How many bytes `scan` looks at for these texts and paths."""
    total = sum(len(t.encode("utf-8", "replace")) for t in texts)
    for path in paths:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        total += sum(f.stat().st_size for f in files)
    return total
