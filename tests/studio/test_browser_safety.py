"""Safety in a real browser: API values are shown as text, never run; two tabs start one sync."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.studio.conftest import Studio, shot
from tests.studio.helpers import add_credential, choose_endpoint

IMG = '<img src=x onerror="window.__xss=1">XSSMARK'
SCRIPT = "<script>window.__xss=2</script>"


def test_html_in_client_data_shows_as_text_and_runs_nothing(page: Page, studio: Studio) -> None:
    """A Pulse whose note holds <img onerror> and subject <script> is displayed, not executed."""
    client_id = studio.sim.store.records("clients")[0]["id"]
    created = httpx.post(
        f"{studio.sim.api_v1_url}/pulse",
        json={"clientId": client_id, "note": IMG, "subject": SCRIPT},
        headers={"X-API-Key": studio.sim.api_key},
    )
    assert created.status_code in (200, 201)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    add_credential(page, studio)
    page.get_by_role("button", name="New data flow").click()
    choose_endpoint(page, "Search Pulses")
    page.get_by_label("note", exact=True).fill("XSSMARK")
    page.get_by_role("button", name="Test").click()
    result = page.get_by_role("region", name="Endpoint Test Result")
    expect(result.get_by_text("1 record(s) in the sample.")).to_be_visible()
    expect(result.get_by_role("cell", name=IMG)).to_be_visible()
    expect(result.get_by_role("cell", name=SCRIPT)).to_be_visible()
    result.get_by_text("Raw response").click()
    expect(result.locator("pre.raw")).to_contain_text("onerror")
    assert result.locator("img, script").count() == 0
    assert page.evaluate("window.__xss") is None
    assert dialogs == []


def test_two_tabs_pressing_sync_now_start_one_sync(browser: Browser, studio: Studio) -> None:
    """While a sync runs, Sync now in a second tab joins it instead of starting another."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    first, second = context.new_page(), context.new_page()
    first.goto(studio.url)
    add_credential(first, studio)
    state = studio.running.state
    with state.sink_lock:  # hold the destination so the first sync stays running
        for tab in (first, second):
            tab.goto(f"{studio.base}/datasets")
            tab.get_by_role("button", name="Sync now").click()
        expect(second.get_by_text("This sync was already running")).to_be_visible()
        job = state.jobs.get("1")
        assert job is not None and job.status == "running"
        assert state.jobs.get("2") is None
    expect(first.get_by_role("link", name="Open Datasets")).to_be_visible(timeout=30_000)
    first.get_by_label("every", exact=True).select_option("15 minutes")
    expect(first.get_by_text("syncs every 15 minutes while the studio runs")).to_be_visible()
    first.reload()
    clients = len(studio.sim.store.records("clients"))
    expect(first.get_by_test_id("count-clients")).to_have_text(f"{clients:,}")
    shot(first, "studio-datasets-default-streams.png")
    context.close()
