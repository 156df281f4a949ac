"""Recognising a full disk in whatever form it arrives: an OSError, or a database driver's
error (DuckDB and PostgreSQL report it in their own words)."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager

from clientsuccess_connector.errors import StorageError

_CAUSES = {
    errno.ENOSPC: "the disk is full (no space left on device)",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
}
_DISK_FULL_SQLSTATE = "53100"  # PostgreSQL's disk_full


def storage_error(exc: BaseException, target: str, fix: str = "") -> StorageError | None:
    """A StorageError naming `target` when `exc` (or its cause) says the disk is full, over
    quota or read-only; None for any other error. `fix` is added to the standard advice."""
    cause = _cause(exc)
    if cause is None:
        return None
    advice = fix or "free some space and run again; what was committed before is kept"
    return StorageError(f"cannot write {target}: {cause}; {advice}")


@contextmanager
def storage_errors(target: str, fix: str = "") -> Iterator[None]:
    """Turn a full disk inside the block into a StorageError naming `target`."""
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:
        error = storage_error(exc, target, fix)
        if error is None:
            raise
        raise error from exc


def _cause(exc: BaseException | None) -> str | None:
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError) and exc.errno in _CAUSES:
            return _CAUSES[exc.errno]
        if getattr(exc, "sqlstate", None) == _DISK_FULL_SQLSTATE:
            return _CAUSES[errno.ENOSPC]
        text = str(exc)
        if "No space left on device" in text or '"errno":"28"' in text:
            return _CAUSES[errno.ENOSPC]
        if "Disk quota exceeded" in text:
            return _CAUSES[errno.EDQUOT]
        if "Read-only file system" in text:
            return _CAUSES[errno.EROFS]
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None
