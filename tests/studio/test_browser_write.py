"""The Write screen in a real browser: upload a CSV of Pulses, map, preview, run, results."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.studio.conftest import Studio, shot
from tests.studio.helpers import add_credential


def _pulses_csv(folder: Path, client_id: int) -> Path:
    path = folder / "pulses.csv"
    path.write_text(
        "clientId,comment,subject,currentScore\n"
        f"{client_id},Renewal looks safe,QBR,80\n"
        "not-a-number,Bad row,Oops,10\n"
        f"{client_id},Champion left,Risk,35.5\n",
        encoding="utf-8",
    )
    return path


def test_a_csv_of_pulses_is_written_with_the_bad_row_reported(page: Page, studio: Studio) -> None:
    """Two good rows are created, the bad one is reported by row, and results download."""
    client_id = studio.sim.store.records("clients")[0]["id"]
    before = len(studio.sim.store.records("pulses"))
    add_credential(page, studio)
    page.get_by_role("link", name="Write", exact=True).click()
    page.get_by_label("Template", exact=True).select_option(label="Create Pulse")
    upload = _pulses_csv(studio.folder, client_id)
    page.get_by_label("Input file", exact=True).set_input_files(upload)
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_label("Column for clientId")).to_have_value("clientId")
    expect(page.get_by_label("Column for subject")).to_have_value("subject")
    expect(page.get_by_role("row", name="clientId *")).to_contain_text("integer")
    page.get_by_label("Column for note").select_option("comment")
    page.get_by_role("button", name="Preview (dry run)").click()
    errors = page.get_by_role("table", name="Row errors")
    expect(errors.get_by_role("row", name=re.compile(r"^2 "))).to_contain_text("clientId")
    expect(page.get_by_text("POST").first).to_be_visible()
    shot(page, "studio-write-preview.png")
    assert len(studio.sim.store.records("pulses")) == before  # a dry run sends nothing

    page.get_by_role("button", name="Run", exact=True).click()
    results = page.get_by_role("table", name="Results per row")
    expect(results.get_by_role("row")).to_have_count(4)
    expect(results.get_by_role("row", name=re.compile(r"^2 "))).to_contain_text("error")
    expect(results.get_by_role("row", name=re.compile(r"^1 "))).to_contain_text("ok")
    expect(results.get_by_role("row", name=re.compile(r"^3 "))).to_contain_text("ok")
    shot(page, "studio-write-results.png")
    assert len(studio.sim.store.records("pulses")) == before + 2
    notes = {p.get("note") for p in studio.sim.store.records("pulses")}
    assert {"Renewal looks safe", "Champion left"} <= notes

    with page.expect_download() as download:
        page.get_by_role("link", name="Download results").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 3 and '"status":"error"' in "".join(lines)
