"""Listings in the format a user asked for: a table, JSON, JSON lines or CSV.

Every listing command takes `--format table|json|jsonl|csv` (and `--json`, its old spelling).
A table on a terminal is drawn by rich and wraps long values; off a terminal (a pipe, a file)
it is plain aligned text with every value whole, so `templates | grep` finds names that can be
pasted back. JSON is one indented document, JSON lines one object per row, CSV a header and one
line per row (nested values as JSON). Every table header and cell is printed plainly (markup
off, control characters escaped, see `terminal`); JSON and JSON lines carry the values
exactly, CSV too except that text a spreadsheet would run as a formula gets a leading `'`
(`--csv-formulas raw` writes it as it is; see sinks/formulas.py).
"""

from __future__ import annotations

import csv
import io
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO, TypeVar

import click

from clientsuccess_connector.cli.terminal import cells, echo, plain_console, safe_text
from clientsuccess_connector.sinks.formulas import FORMULA_MODES, neutralise
from clientsuccess_connector.sinks.values import json_text

FORMATS = ("table", "json", "jsonl", "csv")
F = TypeVar("F", bound=Callable[..., Any])
Row = dict[str, Any]


def format_option(help_text: str = "How to print the listing.") -> Callable[[F], F]:
    """`--format table|json|jsonl|csv` and `--json` (the same as `--format json`).

    The command receives one `fmt` argument holding the chosen format.
    """

    def _json_alias(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            ctx.meta["output.json"] = True

    def _format(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
        if ctx.meta.get("output.json") and value not in (None, "json"):
            raise click.UsageError("--json means --format json; give only one of them")
        return "json" if ctx.meta.get("output.json") else (value or "table")

    def _formulas(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is not None:
            ctx.meta["output.csv_formulas"] = value

    def decorate(func: F) -> F:
        func = click.option(
            "--csv-formulas", type=click.Choice(FORMULA_MODES), default=None,
            expose_value=False, callback=_formulas,
            help="--format csv: escape (a value starting with = + - @ is written as text, "
            "so a spreadsheet cannot run it) or raw.  [default: escape]",
        )(func)  # fmt: skip
        func = click.option(
            "--json", "json_alias", is_flag=True, is_eager=True, expose_value=False,
            callback=_json_alias, help="Same as --format json.",
        )(func)  # fmt: skip
        return click.option(
            "--format", "fmt", type=click.Choice(FORMATS), default=None, callback=_format,
            help=f"{help_text}  [default: table]",
        )(func)  # fmt: skip

    return decorate


def emit_json(value: Any) -> None:
    """Pretty JSON on stdout."""
    sys.stdout.write(json_text(value, pretty=True) + "\n")


def cell(value: Any) -> str:
    """A value as one line of visible text: strings as they are, the rest as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict | list | tuple | bool | int | float):
        text = json_text(value)
    else:  # a datetime, a Decimal...: as it reads
        text = str(value)
    return safe_text(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))


def cell_len(text: str) -> int:
    """Terminal cells `text` takes: two for wide East Asian characters, none for combining
    marks, one for the rest."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned columns, two spaces apart, with every value whole (no wrapping, no ellipsis).

    Widths are terminal cells, not characters: `北京科技` takes eight, as a terminal shows it."""
    widths = [max([cell_len(h), *(cell_len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def padded(value: str, width: int) -> str:
        return value + " " * (width - cell_len(value))

    def line(values: Sequence[str]) -> str:
        return "  ".join(padded(v, w) for v, w in zip(values, widths, strict=True)).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, err: bool = False
) -> None:
    """A table on stdout (or stderr): rich on a terminal, plain aligned text otherwise.

    Every header and cell is printed plainly (markup off, control characters escaped)."""
    headers = cells(*headers)
    rows = [cells(*row) for row in rows]
    stream = sys.stderr if err else sys.stdout
    if not stream.isatty():
        echo(plain_table(headers, rows), err=err)
        return
    from rich.table import Table  # noqa: PLC0415 (rich is loaded only for a terminal)

    table = Table(*headers, box=None)
    for column in table.columns:
        column.overflow = "fold"  # wrap a long value, never cut it short
    for row in rows:
        table.add_row(*row)
    plain_console(stderr=err).print(table)


def emit(
    rows: Sequence[Row],
    fmt: str,
    columns: Sequence[str] | None = None,
    *,
    document: Any = None,
    err: bool = False,
) -> None:
    """`rows` in `fmt`. `columns` picks and orders the fields (default: every key, first seen
    first). `document` is printed instead of the rows for `--format json` when given (a
    command whose JSON has always been one object)."""
    out: TextIO = sys.stderr if err else sys.stdout
    if fmt == "json":
        value = document if document is not None else list(rows)
        out.write(json_text(value, pretty=True) + "\n")
        return
    if fmt == "jsonl":
        for row in rows:
            out.write(json_text(row) + "\n")
        return
    names = list(columns) if columns is not None else field_names(rows)
    if fmt == "csv":
        ctx = click.get_current_context(silent=True)
        raw = ctx is not None and ctx.meta.get("output.csv_formulas") == "raw"
        values = ([_csv_value(row.get(name), raw) for name in names] for row in rows)
        write_csv(out, [_csv_value(name, raw) for name in names], values)
        return
    print_table(names, [[cell(r.get(n)) for n in names] for r in rows], err=err)


def field_names(rows: Sequence[Row]) -> list[str]:
    """Every key of `rows`, in the order first seen."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def write_csv(out: TextIO, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """CSV lines ending in `\\n`, with every value holding a line break (`\\r` too) quoted.

    The csv module quotes only the characters of its line terminator: with `\\n` alone, a
    value's bare `\\r` would go out unquoted and split the row for a reader."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for values in (header, *rows):
        writer.writerow(values)
        out.write(buffer.getvalue().removesuffix("\r\n") + "\n")
        buffer.seek(0)
        buffer.truncate()


def _csv_value(value: Any, raw: bool = False) -> Any:
    """A CSV cell: nested values as JSON, text neutralised against formulas unless `raw`."""
    if isinstance(value, dict | list):
        value = json_text(value)
    if isinstance(value, str):
        return value if raw else neutralise(value)
    return "" if value is None else value
