"""The issue's "done when" in a real browser: credential, Test, Advanced, Create, Datasets."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Response, expect

from tests.studio.conftest import Studio, shot
from tests.studio.helpers import add_credential, choose_endpoint, syncs_held_mid_read


def test_a_person_sets_up_a_flow_from_the_screens_and_sees_the_dataset(
    page: Page, studio: Studio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credential, Search Pulses Test, Advanced /clientNote/search, suggestion, Create, Datasets."""
    bodies: list[str] = []

    def keep(response: Response) -> None:
        if response.request.resource_type in ("document", "xhr", "fetch"):
            bodies.append(response.text())

    page.on("response", keep)
    add_credential(page, studio)
    page.get_by_role("button", name="Test").click()
    expect(page.get_by_text("works", exact=True)).to_be_visible()
    shot(page, "studio-credentials.png")

    page.get_by_role("button", name="New data flow").click()
    page.get_by_label("Credential", exact=True).select_option("sim")
    choose_endpoint(page, "Search Pulses")
    page.get_by_role("button", name="Test").click()
    result = page.get_by_role("region", name="Endpoint Test Result")
    expect(result.get_by_role("table", name="Sample records")).to_be_visible()
    expect(result.get_by_text("10 record(s) in the sample.")).to_be_visible()
    expect(result.get_by_role("table", name="Sample records").get_by_role("row")).to_have_count(11)
    shot(page, "studio-new-data-flow.png")

    page.get_by_role("tab", name="Advanced").click()
    page.get_by_label("Set API URL", exact=True).fill("/clientNote/search")
    page.get_by_role("button", name="Test").click()
    expect(result.get_by_text("/api/v1/clientNote/search").first).to_be_attached()
    result.get_by_text("Request as sent (secrets masked)").click()
    expect(result.get_by_text("X-API-Key: ***").first).to_be_visible()
    suggestions = page.get_by_role("list", name="Suggestions")
    suggestions.get_by_role("button", name="$.data[*]", exact=True).click()
    expect(page.get_by_label("Set Path to Data in Response", exact=True)).to_have_value("$.data[*]")
    shot(page, "studio-advanced-suggestions.png")

    page.get_by_label("Source name", exact=True).fill("notes")
    with syncs_held_mid_read(monkeypatch):
        page.get_by_role("button", name="Create").click()
        progress = page.get_by_test_id("progress-notes")  # shown while the sync runs
        expect(progress).to_contain_text(re.compile(r"[\d,]+ of [\d,]+ records \(\d+%\)"))
    expect(page.get_by_role("status", name="Sync notes").get_by_text("done")).to_be_visible()
    shot(page, "studio-create-progress.png")

    page.get_by_role("link", name="Open Datasets").click()
    notes = page.get_by_role("region", name="notes")
    expect(notes.get_by_role("table", name="Schema of notes")).to_be_visible()
    expect(notes.get_by_role("row", name="clientId")).to_be_visible()
    expected = len(studio.sim.store.records("client_notes"))
    expect(page.get_by_test_id("count-notes")).to_have_text(f"{expected:,}")
    shot(page, "studio-datasets.png")

    saved = (studio.folder / "flow.yaml").read_text(encoding="utf-8")
    assert "url: /clientNote/search" in saved and "data_path: $.data[*]" in saved
    assert bodies and not [b for b in bodies if studio.sim.api_key in b]
