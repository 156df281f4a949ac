"""`singer`: a Singer tap (also installed as `tap-clientsuccess-connector`) for Meltano."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.output import emit_json
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.singer.about import FORMATS, about
from clientsuccess_connector.singer.catalog import selected_streams
from clientsuccess_connector.singer.config import load_config, read_json
from clientsuccess_connector.singer.metrics import Metrics
from clientsuccess_connector.singer.tap import discover as discover_catalog
from clientsuccess_connector.singer.tap import run_tap

_FILE = click.Path(dir_okay=False, path_type=Path)


@cli.command(name="singer")
@click.option(
    "--config",
    "config_file",
    type=_FILE,
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
@click.option(
    "--about",
    "show_about",
    is_flag=True,
    help="Print the tap's name, version, capabilities and settings, and exit.",
)
@click.option(
    "--format",
    "about_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Format of --about.",
)
@click.option(
    "--metrics/--no-metrics",
    default=True,
    show_default=True,
    help="Write Singer METRIC lines (record counts, request and stream durations) to stderr.",
)
def singer_command(config_file: Path | None, discover: bool, catalog_file: Path | None,
                   state_file: Path | None, show_about: bool, about_format: str,
                   metrics: bool) -> None:  # fmt: skip
    """Speak the Singer protocol: SCHEMA, RECORD and STATE messages on stdout.

    Capabilities: catalog, discover, state, about, activate-version. A full read (no
    bookmark, as after Meltano's --full-refresh) that proved it read a whole collection ends
    with ACTIVATE_VERSION, so the target drops or marks the records deleted since.

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
      tap-clientsuccess-connector --about --format json
    """
    if show_about:
        click.echo(about(about_format))
        return
    if config_file is None:
        raise click.UsageError("Missing option '--config' (a JSON file of settings; see --about).")
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
    run_tap(plan, sys.stdout, selection, state, Metrics(sys.stderr) if metrics else None)


def tap_main() -> None:
    """Entry point of `tap-clientsuccess-connector`: the `singer` command under its tap name."""
    cli(["singer", *sys.argv[1:]], prog_name="tap-clientsuccess-connector")
