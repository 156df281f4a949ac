"""Values on a terminal: plain text only.

A value from the API, an input file or a flow file is data, never instructions to the
terminal: rich markup such as `[/]` or `[link=...]` is shown as typed (a stray `[/]` used to
crash `test`), emoji codes are not replaced, and control characters (ANSI escapes, carriage
returns, bells) are shown escaped as `\\x1b` instead of reaching the terminal. Every text line
the CLI prints goes through `echo`, every table through `plain_console`; JSON output is left to
the JSON encoder, which escapes control characters itself.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def safe_text(text: str) -> str:
    """`text` with every control character but tab and newline written as a visible escape
    (`\\x1b`)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def echo(text: str = "", *, err: bool = False) -> None:
    """Print a line of text with its control characters escaped (`click.echo` otherwise)."""
    click.echo(safe_text(text), err=err)


def cells(*values: object) -> list[str]:
    """Table cells as plain, escaped text."""
    return [safe_text(str(value)) for value in values]


def plain_console(**options: Any) -> Console:
    """A console that prints strings as they are: no markup, no emoji codes, no highlighting."""
    # rich is loaded on first use: most commands print no table.
    from rich.console import Console  # noqa: PLC0415

    return Console(markup=False, emoji=False, highlight=False, **options)
