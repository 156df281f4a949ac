"""An exclusive lock on a file destination's directory, held from open to close.

Two syncs writing one folder would each recover (delete) the other's uncommitted parts and
compact over each other; the second to open is refused instead. The lock is an OS lock on
`_cs_lock` (flock), so a killed process never leaves it held.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO

from clientsuccess_connector.errors import DestinationUnavailable

LOCK = "_cs_lock"


class DirectoryLock:
    """Holds the destination's lock; `release` is safe to call twice. `shared`: a reader's
    lock, taken without writing (none when `_cs_lock` does not exist); a sync opening
    meanwhile is refused as if another sync held it."""

    def __init__(self, directory: Path, url: str, *, shared: bool = False) -> None:
        self._file: IO[str] | None = None
        if shared:
            if (directory / LOCK).exists():
                self._file = (directory / LOCK).open(encoding="utf-8")
                self._take(fcntl.LOCK_SH, url)
            return
        self._file = (directory / LOCK).open("a+", encoding="utf-8")
        self._take(fcntl.LOCK_EX, url)
        self._file.truncate(0)
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()

    def _take(self, mode: int, url: str) -> None:
        assert self._file is not None
        try:
            fcntl.flock(self._file, mode | fcntl.LOCK_NB)
        except OSError:
            self._file.close()
            self._file = None
            raise DestinationUnavailable(
                f"destination {url} is in use by another sync or program; wait for it to "
                "finish (two syncs into one folder would overwrite each other's files)"
            ) from None

    def release(self) -> None:
        """Release the lock (the file stays: removing it could race with the next opener)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
