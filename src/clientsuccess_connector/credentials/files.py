"""The two files of the store: read with tomllib, written atomically and owner-only.

The files are flat: optional top-level `key = "value"` lines, then `[table]`s of the same.
Writing that shape needs no library: strings are escaped by TOML's basic-string rules.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clientsuccess_connector.errors import ConfigError

OWNER_ONLY = 0o600
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}  # fmt: skip


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed file ({} when it does not exist); a ConfigError naming the line otherwise."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; fix or delete it") from None
    except tomllib.TOMLDecodeError as exc:  # the message says "(at line N, column M)"
        raise ConfigError(f"{path} is not valid TOML: {exc}; fix or delete that line") from None


def toml_string(value: str) -> str:
    """`value` as a TOML basic string."""
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def render_toml(
    header: str, top: Mapping[str, str], tables: Mapping[str, Mapping[str, str]]
) -> str:
    """A flat TOML document: a comment header, top-level strings, then one table per name."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += [f"{key} = {toml_string(value)}" for key, value in top.items()]
    for name, table in tables.items():
        lines += ["", f"[{name}]"]
        lines += [f"{key} = {toml_string(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def write_owner_only(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically; the new file is mode 0600 from its first byte.

    The temporary file is created by `os.open(..., 0o600)` (never wider, whatever the umask),
    filled, fsynced and renamed over `path`, so readers see the old or the new file, never a mix.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), OWNER_ONLY)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def require_owner_only(path: Path) -> None:
    """Refuse, with the fix, a file that users other than its owner can read or write."""
    if os.name == "nt":  # Windows has no mode bits; the user profile's ACLs protect it
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        raise ConfigError(
            f"{path} holds secrets but other users can access it (mode {mode:04o}); "
            f"run `chmod 600 {path}` and try again"
        )
