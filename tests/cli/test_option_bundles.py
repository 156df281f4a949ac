"""Option bundles: click options that reach a command as one typed object."""

from __future__ import annotations

from dataclasses import dataclass

import click
from click.testing import CliRunner

from clientsuccess_connector.cli.bundles import OptionBundle


@dataclass(frozen=True)
class Span:
    low: int
    high: int


@dataclass(frozen=True)
class Plan:
    name: str
    span: Span


SPAN = OptionBundle(
    Span,
    click.option("--low", type=int, default=0, help="Lowest."),
    click.option("--high", type=int, default=9, help="Highest."),
)
PLAN = OptionBundle(
    Plan,
    click.argument("name"),
    click.option("--quiet", is_flag=True, expose_value=False, help="Not passed on."),
    parts={"span": SPAN},
)


@click.command()
@click.option("--first", is_flag=True, help="Before the bundle.")
@PLAN.into("plan")
@click.option("--last", is_flag=True, help="After the bundle.")
def show(first: bool, plan: Plan, last: bool) -> None:
    """Print what the command received."""
    click.echo(f"{first} {plan} {last}")


def test_the_command_receives_the_built_object() -> None:
    done = CliRunner().invoke(show, ["n", "--high", "5", "--first"])
    assert done.exit_code == 0, done.output
    assert done.output == "True Plan(name='n', span=Span(low=0, high=5)) False\n"


def test_options_keep_their_place_in_help() -> None:
    """The bundle's options sit where its decorator is, its own before its parts'."""
    names = [p.name for p in show.params]
    assert names == ["first", "name", "quiet", "low", "high", "last"]
    text = CliRunner().invoke(show, ["--help"]).output
    flags = ["--first", "--quiet", "--low", "--high", "--last"]
    assert sorted(flags, key=text.index) == flags
