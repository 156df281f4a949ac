"""Where the library's log records go when it runs under the CLI: one line each on stderr.

The library logs through the `clientsuccess_connector` logger (retries with their reason and
wait, 429 pauses, logins, why a page series stopped) and never prints. The CLI shows WARNING and
above by default; `-v` adds INFO, `-vv` DEBUG, `--quiet` keeps only errors, and `--log-level`
sets the level outright. `--log-format json` writes each record as one JSON object.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

import click
import orjson

from clientsuccess_connector.cli.terminal import echo, safe_text

LOGGER = "clientsuccess_connector"
LEVELS = ("debug", "info", "warning", "error")


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {safe_text(record.getMessage())}"


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "event": "log",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)  # structured detail (a retry's status, wait...)
        if isinstance(fields, dict):
            line.update(fields)
        return orjson.dumps(line).decode()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the stderr of the moment (click's test runner swaps it per invocation)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def level_for(params: Mapping[str, Any]) -> int:
    """The level the command line asks for: --log-level, else -v/-vv, --quiet, or WARNING."""
    named = params.get("log_level")
    if named:
        return int(getattr(logging, str(named).upper()))
    verbose = int(params.get("verbose") or 0)
    if verbose >= 2:
        return logging.DEBUG
    if verbose == 1:
        return logging.INFO
    return logging.ERROR if params.get("quiet") else logging.WARNING


def configure(params: Mapping[str, Any]) -> None:
    """Send the library's records to stderr at the level and in the format `params` ask for."""
    logger = logging.getLogger(LOGGER)
    handler = next((h for h in logger.handlers if isinstance(h, _StderrHandler)), None)
    if handler is None:
        handler = _StderrHandler(sys.stderr)
        logger.addHandler(handler)
        logger.propagate = False
    json_lines = params.get("log_format") == "json"
    handler.setFormatter(_JsonFormatter() if json_lines else _TextFormatter())
    logger.setLevel(level_for(params))


def log_format() -> str:
    """The running command's `--log-format`: "text" or "json"."""
    context = click.get_current_context(silent=True)
    params = context.find_root().params if context is not None else {}
    return "json" if params.get("log_format") == "json" else "text"


def notice(text: str, level: str = "info", *, event: str = "log") -> None:
    """A line for the user on stderr, outside the library's log records: plain text (with
    `level: ` before warnings and errors), or under `--log-format json` one JSON object like
    every log line, so that stderr stays machine-readable."""
    if log_format() == "json":
        line = {"event": event, "level": level, "logger": f"{LOGGER}.cli", "message": text}
        click.echo(orjson.dumps(line).decode(), err=True)
    elif level in ("warning", "error"):
        echo(f"{level}: {text}", err=True)
    else:
        echo(text, err=True)


def reset() -> None:
    """Take the CLI's handler off again when a command ends (the CLI may run in-process)."""
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
        logger.removeHandler(handler)
    logger.propagate = True
    logger.setLevel(logging.NOTSET)
