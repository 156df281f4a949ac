"""The Health screen in Chromium: at-risk list (sortable, escaped), dispositions per week, and
a client's score over time with its history."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from clientsuccess_connector.read.default_streams import default_sources
from clientsuccess_connector.read.endpoint import resolve
from clientsuccess_connector.simulator.health import drift
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.syncing.run import SyncOptions, sync
from tests.integration.helpers import connect
from tests.studio.conftest import Studio, shot

IMG = '<img src=x onerror="window.__xss=1">Évil & Co'


def sync_history(studio: Studio) -> None:
    """Land the default streams with history on, as the demo does."""
    url = f"duckdb:///{studio.folder / 'studio.duckdb'}"
    sources = {name: resolve(spec) for name, spec in default_sources().items()}
    with connect(studio.sim) as conn, open_sink(url) as sink:
        results = sync(conn, sink, sources, SyncOptions(history=True))
    assert all(r.error is None for r in results)


def test_health_screen(page: Page, studio: Studio) -> None:
    """At-risk clients sort by any column and link to a client's score chart and versions;
    markup in a client's name is shown as text."""
    sync_history(studio)
    drift(studio.sim.store, 0.5)
    sync_history(studio)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.get_by_role("link", name="Health", exact=True).click()
    expect(page.get_by_role("heading", name="Health", exact=True)).to_be_visible()
    expect(page.get_by_test_id("at-risk-summary")).to_contain_text("clients at risk on 2025-")
    table = page.get_by_role("table", name="At-risk clients")
    header = table.get_by_role("columnheader", name="ARR at stake")
    expect(header).to_have_attribute("aria-sort", "descending")
    chart = page.get_by_role("img", name="Pulse dispositions per week")
    expect(chart).to_be_visible()
    assert chart.locator("[data-testid=week-bar]").count() > 10
    shot(page, "studio-health.png")

    table.get_by_role("link", name="Score").click()
    header = page.get_by_role("columnheader", name="Score ▲")
    expect(header).to_have_attribute("aria-sort", "ascending")
    table = page.get_by_role("table", name="At-risk clients")
    values = [float(v) for v in table.locator("tbody tr td:nth-child(3)").all_inner_texts() if v]
    assert values == sorted(values) and len(values) > 3
    page.get_by_role("link", name="Score ▲").click()
    expect(page.get_by_role("columnheader", name="Score ▼")).to_have_attribute(
        "aria-sort", "descending"
    )
    top = table.locator("tbody tr").first.get_by_role("link")
    name = top.inner_text()
    top.click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    score = page.get_by_role("img", name=f"Score over time for {name}")
    assert score.locator("[data-testid=score-point]").count() >= 1
    versions = page.get_by_role("table", name=f"Versions of {name}")
    expect(versions.get_by_role("cell", name="current")).to_have_count(1)
    shot(page, "studio-health-client.png")

    client_id = int(page.url.rsplit("/", 1)[1])
    client = studio.sim.store.get("clients", client_id)
    assert client is not None
    client.update(name=IMG, modifiedTime=studio.sim.store.clock.tick())
    studio.sim.store.put("clients", client)
    sync_history(studio)
    page.goto(f"{studio.base}/health?sort=score&order=desc")
    link = page.get_by_role("table", name="At-risk clients").get_by_role("link", name=IMG)
    expect(link).to_be_visible()  # shown as text, not an image
    assert page.locator("table img, h1 img").count() == 0
    link.click()
    expect(page.get_by_role("heading", name=IMG)).to_be_visible()
    versions = page.get_by_role("table", name=f"Versions of {IMG}")
    expect(versions.locator("tbody tr").last).to_contain_text(IMG)
    expect(versions.locator("tbody tr").last.get_by_role("cell", name="current")).to_be_visible()
    expect(versions.locator("tbody tr").nth(-2)).to_contain_text(name)
    assert page.evaluate("window.__xss") is None and dialogs == []
