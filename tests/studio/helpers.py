"""Steps several studio tests share, written the way a person uses the screens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, expect

from clientsuccess_connector.read.progress import ReadProgress
from clientsuccess_connector.studio.jobs import Job
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


def choose_endpoint(page: Page, title: str) -> None:
    """Pick a template on New data flow and wait until its fields have been swapped in.

    The browser fires ``change`` even when the endpoint already shown is picked again, and the
    fields arrive by a request: a field filled before that swap lands would be replaced empty.
    """
    page.evaluate(
        "() => { window.__fieldsSettled = false;"
        " document.body.addEventListener('htmx:afterSettle', (event) => {"
        " if (event.detail.target.id === 'template-fields') window.__fieldsSettled = true; }); }"
    )
    page.get_by_label("Endpoint", exact=True).select_option(label=title)
    page.wait_for_function("() => window.__fieldsSettled === true")
    expect(page.get_by_text(f"Fields of {title}")).to_be_visible()


@contextmanager
def syncs_held_mid_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Inside the block, a studio sync waits after a page that announced its total.

    So a test sees the progress a person sees during a long sync, however fast this machine
    reads the simulator; leaving the block lets the sync finish.
    """
    release = threading.Event()
    report = Job.read

    def read_then_wait(job: Job, progress: ReadProgress) -> None:
        report(job, progress)
        if progress.total is not None and not progress.finished:
            release.wait(timeout=60)

    monkeypatch.setattr(Job, "read", read_then_wait)
    try:
        yield
    finally:
        release.set()


def result_region(page: Page) -> object:
    """The "Endpoint Test Result" region."""
    return page.get_by_role("region", name="Endpoint Test Result")
