"""One change to the credential files at a time, across threads and processes.

`credentials add` in two terminals at once would otherwise both read credentials.toml, each add
its entry and write it back: the first one's credential would be lost. A change holds an
exclusive lock on `credentials.lock` beside the files (filelock: flock on POSIX, the file
locking API on Windows) while it reads, changes and writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from clientsuccess_connector.errors import ConfigError

__all__ = ["LOCK_FILE", "changing"]

LOCK_FILE = "credentials.lock"
WAIT_SECONDS = 30.0


@contextmanager
def changing(config_dir: Path, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold the credential files for one read-change-write; wait up to `wait` seconds for it."""
    config_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = FileLock(config_dir / LOCK_FILE, timeout=wait, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise ConfigError(
            f"another clientsuccess-connector has been changing the credentials in "
            f"{config_dir} for {wait:.0f} s; wait for it to finish, then retry"
        ) from None
    try:
        yield
    finally:
        lock.release()
