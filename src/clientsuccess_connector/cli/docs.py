"""`docs [TOPIC]`: print the user documentation that ships inside the package.

The pages of `docs/` are packaged with the wheel (`clientsuccess_connector/docs/`), so a pip
user reads the pages of the version they installed, offline; in a source checkout they are read
from `docs/` beside `src/`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.logs import notice
from clientsuccess_connector.cli.output import emit, format_option, print_table
from clientsuccess_connector.errors import ConfigError

_CHECKOUT_DOCS = Path(__file__).resolve().parents[3] / "docs"


def docs_dir() -> Path:
    """Where the doc pages are: inside the installed package, else the source checkout's."""
    packaged = Path(str(resources.files("clientsuccess_connector") / "docs"))
    return packaged if packaged.is_dir() else _CHECKOUT_DOCS


def topics() -> dict[str, Path]:
    """Topic name (the page's file name without `.md`) -> page."""
    folder = docs_dir()
    if not folder.is_dir():
        return {}
    return {page.stem: page for page in sorted(folder.glob("*.md"))}


def _title(page: Path) -> str:
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return page.stem


@cli.command()
@click.argument("topic", required=False)
@format_option("How to list the topics (without TOPIC).")
def docs(topic: str | None, fmt: str) -> None:
    """Print a page of the documentation, or list the pages (TOPIC is a page's name).

    The pages ship with the package, so they match the installed version and need no network.

    \b
    Examples:
      clientsuccess-connector docs
      clientsuccess-connector docs flows
      clientsuccess-connector docs paths | less
    """
    pages = topics()
    if not pages:
        raise ConfigError(
            "the documentation is not installed with this copy of the package; reinstall it "
            "with pip (the wheel carries the docs)"
        )
    if topic is None:
        rows = [{"topic": name, "title": _title(page)} for name, page in pages.items()]
        if fmt != "table":
            emit(rows, fmt)
            return
        print_table(["topic", "title"], [[r["topic"], r["title"]] for r in rows])
        notice("read one with: clientsuccess-connector docs TOPIC")
        return
    name = topic.removesuffix(".md").removeprefix("docs/")
    if name not in pages:
        raise ConfigError(f"no documentation topic {topic!r}; topics: {', '.join(pages)}")
    click.echo(pages[name].read_text(encoding="utf-8"), nl=False)
