"""CLI commands: init (filled in by its owner)."""
