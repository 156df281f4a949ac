"""`singer`: a Singer tap (also installed as `tap-clientsuccess-connector`) for Meltano."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.output import emit_json
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.singer.catalog import selected_streams
from clientsuccess_connector.singer.config import load_config, read_json
from clientsuccess_connector.singer.tap import discover as discover_catalog
from clientsuccess_connector.singer.tap import run_tap

_FILE = click.Path(dir_okay=False, path_type=Path)


@cli.command(name="singer")
@click.option(
    "--config",
    "config_file",
    type=_FILE,
    required=True,
    metavar="CONFIG.json",
    help="Connection settings: the keys of a flow's `connection:` block (base_url, "
    "api_key, username, password, credential, ...), plus `flow` to read a flow "
    "file's sources; what it omits comes from CLIENTSUCCESS_* variables.",
)
@click.option(
    "--discover",
    is_flag=True,
    help="Print the catalog (every stream's JSON Schema, keys, replication key, "
    "`selected` metadata) and exit.",
)
@click.option(
    "--catalog",
    "catalog_file",
    type=_FILE,
    metavar="CATALOG.json",
    help="Read only the streams (and fields) this catalog selects [every stream].",
)
@click.option(
    "--state",
    "state_file",
    type=_FILE,
    metavar="STATE.json",
    help="Resume each stream from this state's bookmarks (the last STATE message).",
)
def singer_command(config_file: Path, discover: bool, catalog_file: Path | None,
                   state_file: Path | None) -> None:  # fmt: skip
    """Speak the Singer protocol: SCHEMA, RECORD and STATE messages on stdout.

    Streams are the default streams, or the sources of the flow file the config names. Each
    batch of RECORD messages is followed by a STATE message covering it, flushed at once, so a
    target commits as it goes; logs go to stderr. Exit 1 when a stream failed (the others
    still ran), 2 for a bad config, catalog or state file.

    \b
    Examples:
      clientsuccess-connector singer --config config.json --discover > catalog.json
      clientsuccess-connector singer --config config.json --catalog catalog.json \\
          --state state.json | target-jsonl
      tap-clientsuccess-connector --config config.json | target-jsonl
    """
    plan = load_config(config_file)
    if discover:
        emit_json(discover_catalog(plan))
        return
    selection = (
        selected_streams(read_json(catalog_file, "--catalog"), plan.sources)
        if catalog_file else None
    )  # fmt: skip
    state = read_json(state_file, "--state") if state_file else None
    if state is not None and not isinstance(state, dict):
        raise ConfigError(f"--state file {state_file} must hold a JSON object (a STATE value)")
    run_tap(plan, sys.stdout, selection, state)


def tap_main() -> None:
    """Entry point of `tap-clientsuccess-connector`: the `singer` command under its tap name."""
    cli(["singer", *sys.argv[1:]], prog_name="tap-clientsuccess-connector")
