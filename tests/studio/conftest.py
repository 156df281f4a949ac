"""Fixtures for the studio: a studio served on loopback over a fresh simulator, and a browser.

The browser is Debian's chromium driven by Playwright (`executable_path`); Playwright's own
browser download is never used. Screenshots for docs/studio.md are written by the tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator
from clientsuccess_connector.studio import RunningStudio, run_studio
from tests.credentials.conftest import no_os_keyring  # noqa: F401  (autouse: never the OS keyring)

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
expect.set_options(timeout=20_000)  # a shared, loaded machine: background work takes its time
DOC_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
UPDATE_SCREENSHOTS = os.environ.get("CS_UPDATE_SCREENSHOTS") == "1"


def chromium_path() -> str | None:
    """Debian's chromium, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Studio:
    """A running studio, the simulator behind it and the folder it works in."""

    running: RunningStudio
    sim: SimulatorHandle
    folder: Path

    @property
    def url(self) -> str:
        return self.running.start_url

    @property
    def base(self) -> str:
        return self.running.base_url


@pytest.fixture
def studio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Studio]:
    """A studio on a fresh simulator; its flow file syncs into a DuckDB file in tmp_path."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("CLIENTSUCCESS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CLIENTSUCCESS_CONFIG_DIR", str(tmp_path / "config"))
    flow = tmp_path / "flow.yaml"
    flow.write_text("destination: duckdb:///studio.duckdb\n", encoding="utf-8")
    with (
        run_simulator(SimulatorConfig(clients=30, seed=1)) as sim,
        run_studio(flow, config_dir=tmp_path / "config") as running,
    ):
        yield Studio(running, sim, tmp_path)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless chromium for the session."""
    executable = chromium_path()
    if executable is None:
        reason = "chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}; CS_REQUIRE_BROWSER=1 makes this a failure")
        pytest.skip(f"{reason}; .ci/run installs it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, studio: Studio) -> Iterator[Page]:
    """A page in a new browser context (its own cookies), opened on the studio's start address."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.goto(studio.url)
    yield tab
    context.close()


def shot(page: Page, name: str) -> None:
    """Take a screenshot; with CS_UPDATE_SCREENSHOTS=1 it replaces docs/images/NAME."""
    image = page.screenshot(full_page=True)
    if UPDATE_SCREENSHOTS:
        (DOC_IMAGES / name).write_bytes(image)
