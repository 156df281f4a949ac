"""Command-line interface: thin commands over the library.

Each command lives in its own module, registers itself on the root group when imported, and is
imported only when used (see `LAZY_COMMANDS`), so the CLI starts fast.
"""

from __future__ import annotations

from clientsuccess_connector.cli.app import LAZY_COMMANDS, cli


def main() -> None:
    """Entry point of the `clientsuccess-connector` command."""
    cli(prog_name="clientsuccess-connector")


__all__ = ["LAZY_COMMANDS", "cli", "main"]
