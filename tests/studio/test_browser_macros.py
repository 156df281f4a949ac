"""The `{` menu of Set API URL: date macros, and the columns of the selected lookups."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.studio.conftest import Studio


def test_typing_a_brace_offers_date_macros_and_lookup_columns(page: Page, studio: Studio) -> None:
    """Selecting the contracts lookup adds {contracts.id}; picking an option inserts it."""
    page.get_by_role("tab", name="Advanced").click()
    page.get_by_label("Add Lookups to Supported Macros", exact=True).select_option("contracts")
    url = page.get_by_label("Set API URL", exact=True)
    url.click()
    url.press_sequentially("/contract/{")
    menu = page.get_by_role("listbox", name="Macros", exact=True)
    for macro in ("{now}", "{now-1}", "{now+1}", "{contracts.id}"):
        expect(menu.get_by_role("option", name=macro, exact=True)).to_be_visible()
    menu.get_by_role("option", name="{contracts.id}").click()
    expect(url).to_have_value("/contract/{contracts.id}")
    expect(menu).to_be_hidden()
    url.press_sequentially("/notes?modifiedAfter={")
    url.press("ArrowDown")
    url.press("Enter")
    expect(url).to_have_value("/contract/{contracts.id}/notes?modifiedAfter={now-1}")
