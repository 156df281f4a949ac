"""CLI commands: write (filled in by its owner)."""
