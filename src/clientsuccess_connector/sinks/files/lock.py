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
    """Holds the destination's lock; `release` is safe to call twice."""

    def __init__(self, directory: Path, url: str) -> None:
        self._file: IO[str] | None = (directory / LOCK).open("a+", encoding="utf-8")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._file.close()
            self._file = None
            raise DestinationUnavailable(
                f"destination {url} is in use by another sync or program; wait for it to "
                "finish (two syncs into one folder would overwrite each other's files)"
            ) from None
        self._file.truncate(0)
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()

    def release(self) -> None:
        """Release the lock (the file stays: removing it could race with the next opener)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
