"""Command-line interface: thin commands over the library.

Each command lives in its own module, registers itself on the root group when imported, and is
imported only when used (see `LAZY_COMMANDS`), so the CLI starts fast.
"""

from __future__ import annotations

import sys

# httpx imports its own command-line client (click, rich and pygments: a tenth of a second)
# whenever it loads; the connector never runs it, so in our CLI that module counts as absent
# and httpx keeps a stub `httpx.main`. A process that loaded httpx before us is left as it is.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from clientsuccess_connector.cli.app import LAZY_COMMANDS, cli  # noqa: E402


def main() -> None:
    """Entry point of the `clientsuccess-connector` command."""
    cli(prog_name="clientsuccess-connector")


__all__ = ["LAZY_COMMANDS", "cli", "main"]
