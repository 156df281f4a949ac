"""The `{` menu of Set API URL: date macros, and the columns of the selected lookups."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

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


def test_lookup_columns_that_arrive_after_the_brace_join_the_open_menu(
    page: Page, studio: Studio
) -> None:
    """Typing `{` while the chosen lookup's columns are still loading (a slow machine) showed a
    menu without them, until the user typed the brace again."""
    held: list[Route] = []
    page.route("**/flows/macros*", lambda route: held.append(route))  # noqa: PLW0108 (Playwright needs a Python function)
    page.get_by_role("tab", name="Advanced").click()
    with page.expect_request("**/flows/macros*"):  # the studio asks for the lookup's columns
        page.get_by_label("Add Lookups to Supported Macros", exact=True).select_option("contracts")
    url = page.get_by_label("Set API URL", exact=True)
    url.click()
    url.press_sequentially("/contract/{")
    menu = page.get_by_role("listbox", name="Macros", exact=True)
    expect(menu.get_by_role("option", name="{now}", exact=True)).to_be_visible()
    expect(menu.get_by_role("option", name="{contracts.id}", exact=True)).to_have_count(0)
    for _ in range(200):  # the route handler runs while Playwright waits
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the request for the lookup's columns never reached the route"
    for route in held:
        route.continue_()
    expect(menu.get_by_role("option", name="{contracts.id}", exact=True)).to_be_visible()
