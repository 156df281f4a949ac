"""Crash-safe file replacement: write a temp file beside the target, fsync, rename over it."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def fsync_path(path: Path) -> None:
    """fsync a file or directory by path (directories make renames in them durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so readers see the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    commit_file(tmp, path)


def commit_file(tmp: Path, path: Path) -> None:
    """Durably rename a finished, already-written temp file onto `path`."""
    fsync_path(tmp)
    tmp.replace(path)
    with contextlib.suppress(OSError):  # some filesystems cannot fsync a directory
        fsync_path(path.parent)
