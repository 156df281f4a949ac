"""CLI commands: read (filled in by its owner)."""
