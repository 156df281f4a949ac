"""Command-line interface: thin commands over the library."""

from __future__ import annotations

from clientsuccess_connector.cli.app import cli


def main() -> None:
    """Entry point of the `clientsuccess-connector` command."""
    cli(prog_name="clientsuccess-connector")


__all__ = ["cli", "main"]
