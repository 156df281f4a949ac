"""The studio remembers what it wrote (issue 28, item 3): a ledger per template and credential
in the config directory, shown on the Write screen, surviving a restart. Over real HTTP."""

from __future__ import annotations

import html
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator
from clientsuccess_connector.studio import run_studio
from clientsuccess_connector.studio.security import CSRF_HEADER

_POLLS = 600  # a loaded machine may take a while; each poll waits 0.1 s


@contextmanager
def entered(flow: Path, config: Path) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """A studio session: a client holding its cookie, and the CSRF header to post with."""
    with (
        run_studio(flow, config_dir=config) as running,
        httpx.Client(base_url=running.base_url, timeout=30) as client,
    ):
        client.get(running.start_url, follow_redirects=True)
        yield client, {CSRF_HEADER: running.state.csrf}


def upload(client: httpx.Client, csrf: dict[str, str], path: Path) -> str:
    """Upload `path` for Create Pulse with credential `sim`; the mapping step's HTML."""
    files = {"file": (path.name, path.read_bytes(), "text/csv")}
    form = {"template": "create_pulse", "credential": "sim"}
    return client.post("/write/upload", data=form, files=files, headers=csrf).text


def run(client: httpx.Client, csrf: dict[str, str], mapping_html: str) -> str:
    """Press Run with the upload of `mapping_html`; the finished job's HTML."""
    found = re.search(r'name="upload_id" value="([0-9a-f]+)"', mapping_html)
    assert found, mapping_html
    form = {"upload_id": found[1], "template": "create_pulse", "credential": "sim",
            "map__note": "comment"}  # fmt: skip
    page = client.post("/write/run", data=form, headers=csrf).text
    job = re.search(r'id="job-([^"]+)"', page)
    assert job, page
    for _ in range(_POLLS):
        if "running…" not in page:
            return page
        time.sleep(0.1)
        page = client.get(f"/jobs/{job[1]}").text
    raise AssertionError("the write did not finish")


def pulses_csv(path: Path, client_id: int, bad_row: bool) -> Path:
    rows = [f"{client_id},visit {i}" for i in range(10)]
    if bad_row:
        rows[4] = "not-a-number,visit 4"
    path.write_text("clientId,comment\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def notes(sim: SimulatorHandle) -> Counter[str]:
    return Counter(str(p.get("note")) for p in sim.store.records("pulses"))


def test_a_fixed_file_re_uploaded_after_a_restart_writes_only_the_fixed_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10 rows, one bad: 9 written; the studio restarts; the fixed file writes the 10th only."""
    for name in [n for n in os.environ if n.startswith("CLIENTSUCCESS_")]:
        monkeypatch.delenv(name)
    config, flow = tmp_path / "config", tmp_path / "flow.yaml"
    flow.write_text("destination: duckdb:///studio.duckdb\n", encoding="utf-8")
    with run_simulator(SimulatorConfig(clients=5, seed=1)) as sim:
        client_id = sim.store.records("clients")[0]["id"]
        with entered(flow, config) as (client, csrf):
            form = {"name": "sim", "base_url": sim.api_v1_url, "auth": "api-key",
                    "api_key": sim.api_key, "api_key_header": "X-API-Key"}  # fmt: skip
            client.post("/credentials", data=form, headers=csrf)
            first = upload(client, csrf, pulses_csv(tmp_path / "visits.csv", client_id, True))
            assert "<strong>0</strong> row(s)" in first
            done = html.unescape(run(client, csrf, first))
            assert "9 ok" in done and "1 error" in done

        with entered(flow, config) as (client, csrf):  # a new studio process, same config dir
            fixed = pulses_csv(tmp_path / "visits-fixed.csv", client_id, False)
            again = upload(client, csrf, fixed)
            assert "Already written" in again and "<strong>9</strong> row(s)" in again
            done = html.unescape(run(client, csrf, again))
            assert "1 ok" in done and "9 skipped" in done
        assert [notes(sim)[f"visit {i}"] for i in range(10)] == [1] * 10
    assert list((config / "ledgers").glob("create_pulse@sim.jsonl"))
