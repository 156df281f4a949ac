"""Studio paper cuts found in Chromium: the Check result in view, no key left in the form, long
write errors wrapped, only suggestions that yield records, a ledger named after the upload,
and a favicon (no 404 in the console)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from playwright.sync_api import Page, Response, expect

from clientsuccess_connector.cli import cli
from tests.studio.conftest import Studio, shot
from tests.studio.helpers import add_credential


def _fully_visible(page: Page, selector: str) -> bool:
    """Whether the element's box is inside the viewport and nothing else covers its corners."""
    return bool(page.evaluate(
        """(selector) => {
          const el = document.querySelector(selector);
          el.scrollIntoView({block: "center"});
          const box = el.getBoundingClientRect();
          if (box.width === 0 || box.right > innerWidth || box.left < 0) return false;
          const points = [[box.left + 1, box.top + 1], [box.right - 1, box.bottom - 1]];
          const mine = (hit) => hit !== null && (el.contains(hit) || hit.contains(el));
          return points.every(([x, y]) => mine(document.elementFromPoint(x, y)));
        }""",
        selector,
    ))  # fmt: skip


def test_a_saved_credential_leaves_no_key_and_its_check_shows_whole(
    page: Page, studio: Studio
) -> None:
    """After Save the API key field is empty; the Check result is in view, not under a card."""
    add_credential(page, studio)
    form = page.get_by_role("region", name="New credential")
    expect(form.get_by_label("API key", exact=True)).to_have_value("")
    expect(form.get_by_label("Name", exact=True)).to_have_value("")
    page.get_by_role("row", name="sim").get_by_role("button", name="Test").click()
    expect(page.get_by_text("works", exact=True)).to_be_visible()
    assert _fully_visible(page, "#credential-rows td[aria-live] .hint")


def test_no_request_of_a_page_is_missing(page: Page, studio: Studio) -> None:
    """Every screen loads without a 404 (the favicon among them)."""
    missing: list[str] = []

    def keep(response: Response) -> None:
        if response.status == 404:
            missing.append(response.url)

    page.on("response", keep)
    for screen in ("Credentials", "Datasets", "Write"):
        page.get_by_role("link", name=screen, exact=True).click()
        page.wait_for_load_state("networkidle")
    icon = page.evaluate("document.querySelector('link[rel=icon]').href")
    assert page.request.get(icon).status == 200
    assert missing == []


def test_only_suggestions_that_yield_records_are_offered(page: Page, studio: Studio) -> None:
    """Each data path suggestion names one or more records (an always-empty array inside the
    records, such as contracts' `adjustedBy`, is no suggestion)."""
    add_credential(page, studio)
    page.get_by_role("button", name="New data flow").click()
    page.get_by_label("Credential", exact=True).select_option("sim")
    page.get_by_role("tab", name="Advanced").click()
    page.get_by_label("Set API URL", exact=True).fill("/contract/search")  # adjustedBy: []
    page.get_by_role("button", name="Test").click()
    suggestions = page.get_by_role("list", name="Suggestions")
    expect(suggestions.get_by_role("button", name="$.data[*]", exact=True)).to_be_visible()
    counts = [int(re.sub(r"\D", "", t.split("record")[0]))
              for t in suggestions.locator(".hint").all_inner_texts()]  # fmt: skip
    assert counts and all(count > 0 for count in counts), counts


def test_long_write_errors_wrap_and_the_ledger_names_the_upload(page: Page, studio: Studio) -> None:
    """A long per-row error wraps inside the screen; the downloaded results are named after the
    uploaded file (they named a hashed upload file)."""
    client_id = studio.sim.store.records("clients")[0]["id"]
    upload = studio.folder / "renewal pulses.csv"
    long_value = "not-a-number-" + "x" * 300
    upload.write_text(f"clientId,note\n{client_id},fine\n{long_value},bad\n", encoding="utf-8")
    add_credential(page, studio)
    page.get_by_role("link", name="Write", exact=True).click()
    page.get_by_label("Template", exact=True).select_option(label="Create Pulse")
    page.get_by_label("Input file", exact=True).set_input_files(upload)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_label("Column for clientId")).to_have_value("clientId")
    page.get_by_role("button", name="Preview (dry run)").click()
    errors = page.get_by_role("table", name="Row errors")
    expect(errors).to_be_visible()
    assert _fully_visible(page, "table[aria-label='Row errors'] td.message")

    page.get_by_role("button", name="Run", exact=True).click()
    results = page.get_by_role("table", name="Results per row")
    expect(results.get_by_role("row")).to_have_count(3)
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelector(\"table[aria-label='Results per row'] "
            'td.message")).whiteSpace'
        )
        == "normal"
    )
    shot(page, "studio-write-long-error.png")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download results").click()
    assert download.value.suggested_filename == "renewal_pulses.results.jsonl"
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]  # this run's row results, nothing hashed
    assert [(r["row"], r["status"]) for r in rows] == [(1, "ok"), (2, "error")]


def test_the_advanced_tab_creates_an_incremental_source(page: Page, studio: Studio) -> None:
    """An Incremental field on a hand-configured search saves a source that later syncs read
    incrementally; on an endpoint that is no search it is refused with the fix."""
    add_credential(page, studio)
    page.get_by_role("button", name="New data flow").click()
    page.get_by_label("Credential", exact=True).select_option("sim")
    page.get_by_role("tab", name="Advanced").click()
    page.get_by_label("Set API URL", exact=True).fill("/client/search?modifiedAfter={now-7}")
    page.get_by_label("Incremental field", exact=True).fill("modifiedTime")
    page.get_by_label("Source name", exact=True).fill("recent_clients")
    page.get_by_role("button", name="Create").click()
    expect(
        page.get_by_role("status", name="Sync recent_clients").get_by_text("done")
    ).to_be_visible()
    saved = (studio.folder / "flow.yaml").read_text(encoding="utf-8")
    assert "template: search_clients" in saved and "incremental_field: modifiedTime" in saved
    assert "modifiedAfter" not in saved
    again = CliRunner().invoke(cli, ["sync", "--flow", str(studio.folder / "flow.yaml"),
                                     "--stream", "recent_clients", "--format", "json"])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["streams"][0]["incremental"] is True

    page.get_by_label("Set API URL", exact=True).fill("/customfield/client")
    page.get_by_label("Source name", exact=True).fill("fields")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("only a search endpoint such as /clientNote/search")).to_be_visible()
