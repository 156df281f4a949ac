"""The error for a file that is not UTF-8, naming the exact line (text readers decode ahead)."""

from __future__ import annotations

from pathlib import Path

from clientsuccess_connector.errors import ConfigError


def not_utf8(path: Path) -> ConfigError:
    """A ConfigError naming the first line of `path` that is not UTF-8 text."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")  # b"\n" never occurs inside a UTF-8 sequence
            except UnicodeDecodeError as exc:
                return ConfigError(
                    f"{path} line {number}: not UTF-8 text ({exc.reason}); UTF-8 expected: "
                    "re-save the file as UTF-8"
                )
    return ConfigError(f"{path}: not UTF-8 text; UTF-8 expected: re-save the file as UTF-8")
