"""`credentials add | list | test | remove`: one named credential per ClientSuccess instance."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import cast

import click

from clientsuccess_connector.cli.app import _global_options, cli
from clientsuccess_connector.cli.completion import complete_credentials
from clientsuccess_connector.cli.logs import notice
from clientsuccess_connector.cli.output import emit, format_option, print_table
from clientsuccess_connector.cli.terminal import cells, echo
from clientsuccess_connector.connection.settings import DEFAULT_BASE_URL, KEY_HEADERS
from clientsuccess_connector.connection.urls import origin
from clientsuccess_connector.credentials import (
    AUTH_KINDS,
    AuthKind,
    CredentialInfo,
    CredentialStore,
    check_credential,
)
from clientsuccess_connector.credentials.secrets import SECRETS_FILE
from clientsuccess_connector.credentials.store import validate_new
from clientsuccess_connector.errors import ConfigError


class _Group(click.Group):
    """A command group whose subcommands accept the global options too (`list --quiet`)."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.params.extend(_global_options())
        super().add_command(cmd, name)


@cli.group(name="credentials", cls=_Group)
def credentials() -> None:
    """Store, list, test and remove named credentials, one per ClientSuccess instance.

    Non-secret parts live in credentials.toml in CLIENTSUCCESS_CONFIG_DIR (default: your user
    config directory); secrets in the OS keyring, or in an owner-only secrets.toml beside it
    when there is no keyring. Use one with `--credential NAME`, `credential: NAME` in a flow
    file's `connection:`, or CLIENTSUCCESS_CREDENTIAL.

    \b
    Examples:
      clientsuccess-connector credentials add prod
      clientsuccess-connector credentials add sandbox --auth token --username me@example.com
      clientsuccess-connector sync --credential sandbox
    """


def _read_secret(auth: str, username: str | None, from_stdin: bool) -> str:
    """The secret from stdin (`--secret-stdin`) or a hidden prompt; never echoed."""
    what = f"password for {username}" if auth == "token" else "API key"
    if not from_stdin and _no_terminal():
        # getpass would read the pipe anyway, after Python's raw GetPassWarning: say it plainly
        notice("no terminal to ask on: reading the secret from stdin (say so with --secret-stdin)")
        from_stdin = True
    if from_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        secret = click.prompt(what[0].upper() + what[1:], hide_input=True, err=True, default="",
                              show_default=False)  # fmt: skip
    if not secret:
        source = "stdin" if from_stdin else "the prompt"
        raise ConfigError(f"no {what} on {source}; give the secret to store")
    return secret


def _no_terminal() -> bool:
    """True when a hidden prompt is impossible: stdin is the process's own, not a terminal,
    and there is no controlling terminal either (a pipe in CI, a scheduler)."""
    own = sys.__stdin__
    if own is None or sys.stdin is not own or own.isatty():
        return False
    try:
        with Path("/dev/tty").open("rb"):
            return False
    except OSError:
        return True


@credentials.command("add")
@click.argument("name")
@click.option(
    "--base-url",
    default=DEFAULT_BASE_URL,
    show_default=True,
    help="The instance's API base URL (…/api/v1 for API keys, …/v2 for tokens).",
)
@click.option(
    "--auth",
    type=click.Choice(AUTH_KINDS),
    default=None,
    help="api-key, or token (username and password) [api-key; token with --username].",
)
@click.option(
    "--api-key-header",
    type=click.Choice(KEY_HEADERS),
    default="X-API-Key",
    show_default=True,
    help="Header that carries the API key.",
)
@click.option("--username", metavar="U", help="Login for token auth; the password is the secret.")
@click.option("--secret-stdin", is_flag=True,
              help="Read the secret (API key or password) from the first line of stdin "
              "instead of a hidden prompt.")  # fmt: skip
def add(
    name: str,
    base_url: str,
    auth: str | None,
    api_key_header: str,
    username: str | None,
    secret_stdin: bool,
) -> None:
    """Store credential NAME; the secret is asked for without echo, never taken as a flag.

    Adding an existing NAME replaces it (secret included).

    \b
    Examples:
      clientsuccess-connector credentials add prod
      printf '%s\\n' "$KEY" | clientsuccess-connector credentials add ci --secret-stdin
      clientsuccess-connector credentials add eu --auth token --username me@example.com \\
          --base-url https://api.clientsuccess.com/v2
    """
    kind = auth or ("token" if username else "api-key")
    if kind == "token" and not username:
        raise ConfigError("--auth token needs --username U (the password is asked for)")
    if kind == "api-key" and username:
        raise ConfigError("--username is for --auth token; leave it out for an API key")
    validate_new(name, base_url, kind, api_key_header, username)  # before asking for the secret
    store = CredentialStore()
    secret = _read_secret(kind, username, secret_stdin)
    info = store.add(name, base_url=base_url, auth=cast(AuthKind, kind),
                     api_key_header=api_key_header, username=username, secret=secret)  # fmt: skip
    notice(f"saved credential {info.name}: {info.base_url}, {_auth_text(info)}, "
           f"secret in {_location_text(store, info)}")  # fmt: skip
    if not click.get_current_context().find_root().params.get("quiet"):
        notice(f"check it with: clientsuccess-connector credentials test {info.name}")


def _auth_text(info: CredentialInfo) -> str:
    if info.auth == "token":
        return f"token (login {info.username})"
    return f"API key in {info.api_key_header}"


def _location_text(store: CredentialStore, info: CredentialInfo) -> str:
    if info.secret_location == "file":
        return f"file {store.config_dir / SECRETS_FILE}"
    if info.secret_location == "environment":
        return "CLIENTSUCCESS_* variables"
    return "the OS keyring"


@credentials.command("list")
@format_option("How to print the credentials.")
def list_(fmt: str) -> None:
    """List stored credentials: name, base URL, auth kind and where the secret is; never a secret.

    The CLIENTSUCCESS_* variables, when they hold a key or login, show as `environment`.
    """
    store = CredentialStore()
    infos = store.list()
    if fmt != "table":
        emit([dataclasses.asdict(i) for i in infos], fmt)
        return
    if not infos:
        notice(f"no credentials yet in {store.path}; add one with `credentials add NAME`")
        return
    rows = [cells(info.name, info.base_url, _auth_text(info), _location_text(store, info))
            for info in infos]  # fmt: skip
    print_table(["name", "base URL", "auth", "secret in"], rows)


@credentials.command("test")
@click.argument("name", shell_complete=complete_credentials)
def test(name: str) -> None:
    """Make one authenticated search with credential NAME and say whether it works.

    Exit 0 when it works (with the instance's client count), 1 when the API refuses it or
    cannot be reached, 2 when NAME is unknown.
    """
    check = check_credential(CredentialStore().settings(name), name)
    echo(check.message)
    if not check.ok:
        sys.exit(1)


@credentials.command("rebind")
@click.argument("name", shell_complete=complete_credentials)
@click.option("--base-url", required=True, help="The base URL the secret goes to from now on.")
@click.option("--yes", is_flag=True, help="Do not ask (for scripts that mean it).")
def rebind(name: str, base_url: str, yes: bool) -> None:
    """Point credential NAME at another base URL, keeping its secret; asks first.

    A stored secret is sent only to the origin it was stored for: a flow file or variable
    pointing it elsewhere is refused. This is how to move it on purpose. Never from https to
    plain http.

    \b
    Example:
      clientsuccess-connector credentials rebind prod --base-url https://eu.example.com/api/v1
    """
    store = CredentialStore()
    info = store.get(name)
    old, new = origin(info.base_url), origin(base_url)
    if not yes and old != new:
        question = f"Send the secret of credential {name} (stored for {old}) to {new} from now on?"
        if not click.confirm(question, default=False, err=True):
            notice(f"credential {name} unchanged: its secret still goes only to {old}")
            sys.exit(1)
    info = store.rebind(name, base_url)
    notice(f"credential {info.name} now goes to {info.base_url}")


@credentials.command("remove")
@click.argument("name", shell_complete=complete_credentials)
def remove(name: str) -> None:
    """Forget credential NAME, its secret included."""
    info = CredentialStore().remove(name)
    notice(f"removed credential {info.name} and its secret")
