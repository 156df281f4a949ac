"""Values from the API on a terminal: plain text only.

An API value is data, never instructions to the terminal: rich markup such as `[/]` or
`[link=...]` is shown as typed (a stray `[/]` used to crash `test`), emoji codes are not
replaced, and control characters (ANSI escapes, carriage returns, bells) are shown escaped as
`\\x1b` instead of reaching the terminal.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def safe_text(text: str) -> str:
    """`text` with every control character written as a visible escape (`\\x1b`)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def plain_console(**options: Any) -> Console:
    """A console that prints strings as they are: no markup, no emoji codes, no highlighting."""
    return Console(markup=False, emoji=False, highlight=False, **options)
