"""Command-line interface: thin commands over the library.

Each command lives in its own module and registers itself on the root group on import.
"""

from __future__ import annotations

from clientsuccess_connector.cli import demo, init, read, schema, simulate, sync, write
from clientsuccess_connector.cli.app import cli


def main() -> None:
    """Entry point of the `clientsuccess-connector` command."""
    cli(prog_name="clientsuccess-connector")


__all__ = ["cli", "demo", "init", "main", "read", "schema", "simulate", "sync", "write"]
