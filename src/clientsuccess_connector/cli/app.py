"""The root command group and its error boundary: library errors become one line + exit code."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from clientsuccess_connector._version import __version__
from clientsuccess_connector.cli import logs
from clientsuccess_connector.connection.redaction import mask_secrets
from clientsuccess_connector.errors import ApiError, ConnectorError

_ENV_SECRETS = ("CLIENTSUCCESS_API_KEY", "CLIENTSUCCESS_PASSWORD")
ROUTE_HINT = (
    " (if this route is wrong for your instance, correct it in a flow file's `templates:` block: "
    '`clientsuccess-connector docs templates`, "When a route is wrong"; `check-routes` shows the '
    "routes it knows)"
)


API_ROOTS = ("/api/v1/", "/v2/")
"""The two roots ClientSuccess serves its API under (legacy v1 routes live at /v1/)."""


def not_found_hint(url: str) -> str:
    """What to say after a 404: a base URL without a known API root, or else a wrong route."""
    path = url.split("://", 1)[-1].partition("/")[2].partition("?")[0]
    if any(root in f"/{path}" for root in API_ROOTS) or path.startswith("v1/"):
        return ROUTE_HINT
    return (
        f" (the request went to {url.partition('?')[0]}, whose path has neither /api/v1 nor "
        "/v2: when every route answers 404 the base URL is wrong; ClientSuccess answers under "
        "https://api.clientsuccess.com/api/v1 or https://api.clientsuccess.com/v2, so set "
        "CLIENTSUCCESS_BASE_URL, the flow's connection.base_url or the credential's to one "
        "of those forms)"
    )


def _mask_env_secrets(text: str) -> str:
    """Mask credentials from the environment, and URL passwords, in a message we did not
    compose ourselves."""
    return mask_secrets(text, (os.environ.get(name) for name in _ENV_SECRETS))


def _to_root(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Store a subcommand's copy of a global option where every command reads it."""
    if value is not None and param.name is not None:
        root = ctx.find_root().params
        if param.name == "verbose":
            value = max(int(value), int(root.get("verbose") or 0))
        root[param.name] = value
        logs.configure(root)


# The global options: (flags, settings, help). The root command declares them (`cli -q sync`)
# and every subcommand accepts a copy after its name (`cli sync -q`); one table keeps the two
# in step.
_GLOBAL_OPTIONS: tuple[tuple[list[str], dict[str, Any], str], ...] = (
    (["--debug"], {"is_flag": True}, "Show full tracebacks instead of one-line errors."),
    (["--quiet", "-q"], {"is_flag": True}, "Print only results and errors."),
    (["--verbose", "-v"], {"count": True},
     "Log more: -v each retry, pause and login; -vv also debug detail."),
    (["--log-level"], {"type": click.Choice(logs.LEVELS)},
     "Log level on stderr (overrides -v and --quiet)  [default: warning]."),
    (["--log-format"], {"type": click.Choice(["text", "json"])},
     "Format of log lines on stderr.  [default: text]"),
)  # fmt: skip
_ROOT_DEFAULTS = {"--log-format": "text"}


def _global_options() -> list[click.Parameter]:
    """The global options as a subcommand accepts them: stored on the root when given."""
    return [
        click.Option(flags, default=None, expose_value=False, callback=_to_root, help=text,
                     **settings)
        for flags, settings, text in _GLOBAL_OPTIONS
    ]  # fmt: skip


def _root_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The global options as the root command declares them."""
    for flags, settings, text in reversed(_GLOBAL_OPTIONS):
        declared: dict[str, Any] = {**settings, "help": text}
        if flags[0] in _ROOT_DEFAULTS:
            declared["default"] = _ROOT_DEFAULTS[flags[0]]
        command = click.option(*flags, **declared)(command)
    return command


# Commands load on first use, so `--help` and every command start without importing the whole
# package (DuckDB, pyarrow, the simulator...). name -> (module, one-line help for `--help`).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "templates": ("templates", "List every endpoint template, or show one template's fields."),
    "check-routes": ("check_routes", "Ask an instance which template routes it knows (harmless)."),
    "test": ("read", "Fetch a few records from a source and print them, to check the source."),
    "paths": ("read", "Suggest Path to Data and Path to Metadata from a sample response."),
    "sync": ("sync", "Read streams into a database or files, incrementally and resumably."),
    "report": ("report", "Reports over synced data: `report health` lists clients at risk."),
    "schema": ("schema", "Show the columns of a stream's table, or every stream."),
    "state": ("state", "Show each stream's sync state and what produced it, or reset one."),
    "verify": ("verify", "Compare a destination with the server by id; exit 1 on drift."),
    "write": ("write", "Write records into ClientSuccess through a write template."),
    "simulate": ("simulate", "Serve a faithful ClientSuccess API simulator until Ctrl-C."),
    "demo": ("demo", "Run the simulator and sync every default stream into DuckDB."),
    "init": ("init", "Write a commented starter flow file (default: flow.yaml)."),
    "validate": ("validate", "Check a flow file without sending anything, or print its schema."),
    "config": ("config", "Print each connection setting a run would use, and its source."),
    "docs": ("docs", "Print a page of the documentation, or list the pages."),
    "credentials": ("credentials", "Store, list, test and remove named credentials."),
    "studio": ("studio", "Serve the studio: the product doc's screens in a local web page."),
    "singer": ("singer", "Run as a Singer tap (for Meltano): discover, catalog, state."),
}


class ErrorBoundaryGroup(click.Group):
    """Turns ConnectorError into `error: <one line>` and its exit code, unless --debug.

    Every command also accepts the global options after its name
    (`sync --quiet` as well as `--quiet sync`).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*LAZY_COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            importlib.import_module(f"clientsuccess_connector.cli.{LAZY_COMMANDS[cmd_name][0]}")
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, LAZY_COMMANDS[name][1]) for name in sorted(LAZY_COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        existing = {opt for p in cmd.params for opt in getattr(p, "opts", [])}
        cmd.params.extend(o for o in _global_options() if not set(o.opts) & existing)
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return self._invoke_reporting_errors(ctx)
        finally:
            logs.reset()

    def _invoke_reporting_errors(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConnectorError as exc:
            if ctx.find_root().params.get("debug"):
                raise
            hint = (
                not_found_hint(exc.url) if isinstance(exc, ApiError) and exc.status == 404 else ""
            )
            logs.notice(f"{_mask_env_secrets(str(exc))}{hint}", "error")
            sys.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            logs.notice("interrupted", "warning")
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (`templates | head`): stop quietly, as a SIGPIPE'd tool does.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except Exception as exc:
            if ctx.find_root().params.get("debug"):
                raise
            text = _mask_env_secrets(str(exc).splitlines()[0] if str(exc) else "")
            logs.notice(
                f"unexpected {type(exc).__name__}: {text} (this is a bug; run with "
                "--debug for the traceback and report it)",
                "error",
            )
            sys.exit(1)


@click.group(cls=ErrorBoundaryGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clientsuccess-connector")
@_root_options
@click.pass_context
def cli(
    ctx: click.Context,
    debug: bool,
    quiet: bool,
    verbose: int,
    log_level: str | None,
    log_format: str,
) -> None:
    """Move data in and out of ClientSuccess.

    Read any endpoint (templates or manual), sync streams into DuckDB, PostgreSQL or files,
    push records through write templates, and run a faithful API simulator.
    Connection settings come from CLIENTSUCCESS_* environment variables or a flow file.
    """
    ctx.ensure_object(dict)
    ctx.obj.update(debug=debug, quiet=quiet, log_format=log_format)
    logs.configure(ctx.params)
