"""CLI commands: sync (filled in by its owner)."""
