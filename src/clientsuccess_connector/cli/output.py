"""Listings in the format a user asked for: a table, JSON, JSON lines or CSV.

Every listing command takes `--format table|json|jsonl|csv` (and `--json`, its old spelling).
A table on a terminal is drawn by rich and wraps long values; off a terminal (a pipe, a file)
it is plain aligned text with every value whole, so `templates | grep` finds names that can be
pasted back. JSON is one indented document, JSON lines one object per row, CSV a header and one
line per row (nested values as JSON).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO, TypeVar

import click
import orjson
from rich.table import Table

from clientsuccess_connector.cli.terminal import plain_console, safe_text

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

    def decorate(func: F) -> F:
        func = click.option(
            "--json", "json_alias", is_flag=True, is_eager=True, expose_value=False,
            callback=_json_alias, help="Same as --format json.",
        )(func)  # fmt: skip
        return click.option(
            "--format", "fmt", type=click.Choice(FORMATS), default=None, callback=_format,
            help=f"{help_text}  [default: table]",
        )(func)  # fmt: skip

    return decorate


def cell(value: Any) -> str:
    """A value as one line of visible text: strings as they are, the rest as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict | list | tuple | bool | int | float):
        text = orjson.dumps(value, default=str).decode()
    else:  # a datetime, a Decimal...: as it reads
        text = str(value)
    return safe_text(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))


def plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned columns, two spaces apart, with every value whole (no wrapping, no ellipsis)."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, err: bool = False
) -> None:
    """A table on stdout (or stderr): rich on a terminal, plain aligned text otherwise."""
    stream = sys.stderr if err else sys.stdout
    if not stream.isatty():
        click.echo(plain_table(headers, rows), err=err)
        return
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
        out.write(orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")
        return
    if fmt == "jsonl":
        for row in rows:
            out.write(orjson.dumps(row, default=str).decode() + "\n")
        return
    names = list(columns) if columns is not None else field_names(rows)
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([_csv_value(row.get(name)) for name in names])
        return
    print_table([safe_text(n) for n in names], [[cell(r.get(n)) for n in names] for r in rows],
                err=err)  # fmt: skip


def field_names(rows: Sequence[Row]) -> list[str]:
    """Every key of `rows`, in the order first seen."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def _csv_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return orjson.dumps(value, default=str).decode()
    return "" if value is None else value
