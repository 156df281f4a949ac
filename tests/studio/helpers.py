"""Steps several studio tests share, written the way a person uses the screens."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.studio.conftest import Studio


def add_credential(page: Page, studio: Studio, name: str = "sim") -> None:
    """Create an API-key credential for the simulator on the Credentials screen."""
    page.get_by_role("link", name="Credentials", exact=True).click()
    form = page.get_by_role("region", name="New credential")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Base URL", exact=True).fill(studio.sim.api_v1_url)
    form.get_by_label("Authentication", exact=True).select_option(label="API key")
    form.get_by_label("API key", exact=True).fill(studio.sim.api_key)
    form.get_by_role("button", name="Save credential").click()
    expect(page.get_by_role("row", name=name)).to_be_visible()


def result_region(page: Page) -> object:
    """The "Endpoint Test Result" region."""
    return page.get_by_role("region", name="Endpoint Test Result")
