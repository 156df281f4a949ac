"""Option bundles: a group of click options that reaches a command as one typed value.

Click gives a command one argument per option. A bundle declares its options with the usual
`click.option(...)` decorators, in the order `--help` lists them, and hands the command the
object built from their values instead, e.g. `simulate(config: SimulatorConfig)`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, cast

import click

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class OptionBundle(Generic[T]):
    """Click parameters whose values `build` turns into one `T` before the command runs.

    `parts` are bundles built first and passed to `build` by name; their options follow this
    bundle's own in `--help`.
    """

    def __init__(
        self,
        build: Callable[..., T],
        *options: Decorator,
        parts: Mapping[str, OptionBundle[Any]] | None = None,
    ) -> None:
        self.build = build
        self.parts = dict(parts or {})
        self.own: tuple[click.Parameter, ...] = _declared(options)
        self.params: tuple[click.Parameter, ...] = self.own + tuple(
            p for part in self.parts.values() for p in part.params
        )

    def take(self, values: dict[str, Any]) -> T:
        """The object built from this bundle's values, which are removed from `values`."""
        built = {name: part.take(values) for name, part in self.parts.items()}
        own = {p.name: values.pop(p.name) for p in self.own if p.expose_value and p.name}
        return self.build(**own, **built)

    def into(self, name: str) -> Callable[[F], F]:
        """A decorator adding the options to a command, which receives the object as `name`."""

        def decorate(func: F) -> F:
            @functools.wraps(func)
            def command(*args: Any, **values: Any) -> Any:
                values[name] = self.take(values)
                return func(*args, **values)

            # click lists a function's parameters in reverse order of their decorators
            declared = [*getattr(func, "__click_params__", []), *reversed(self.params)]
            command.__click_params__ = declared  # type: ignore[attr-defined]
            return cast(F, command)

        return decorate


def _declared(options: tuple[Decorator, ...]) -> tuple[click.Parameter, ...]:
    """The parameters that option decorators declare, in the order they are written."""

    def holder() -> None: ...

    for option in reversed(options):
        option(holder)
    return tuple(reversed(getattr(holder, "__click_params__", [])))
