"""CLI commands: schema (filled in by its owner)."""
