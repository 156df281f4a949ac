"""`init`: write a commented starter flow file."""

from __future__ import annotations

from pathlib import Path

import click

from clientsuccess_connector.cli.app import cli
from clientsuccess_connector.cli.terminal import echo
from clientsuccess_connector.errors import ConfigError

STARTER_FLOW = """\
# clientsuccess-connector flow file. Docs: `clientsuccess-connector docs flows`
# Secrets come from the environment: never write them here in plain text.
connection:
  api_key: ${CLIENTSUCCESS_API_KEY}     # or username: / password: for session tokens
  # credential: prod                    # or a stored credential instead (`credentials list`)
  # base_url: https://api.clientsuccess.com/api/v1
  max_concurrency: 4                    # requests in flight at once
  # requests_per_second: 10             # optional client-side rate limit

destination: duckdb:///clientsuccess.duckdb

sources:
  clients:
    template: search_clients
    # history: scd2                     # keep every version in clients__history (docs health)
  pulses:
    template: search_pulses
    # params: {clientId: 42}
  recent_notes:                         # a manual endpoint with a date macro: notes changed
    method: GET                         # in the last 10 years (the demo data ends in 2025);
    url: /clientNote/search?modifiedAfter={now-10}    # e.g. {now-7} with time_unit: day
    date_format: "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"       # for last week's
    time_unit: year
    data_path: $.data[*]
    metadata_path: $.totalElements
    primary_key: [id]
  contracts:
    template: search_contracts
  contract_notes:                       # one call per contract id (chained calls)
    template: search_contract_notes
    params: {contractId: "{contracts.id}"}

lookups:
  contracts: {stream: contracts}        # or {file: contracts.csv}

# health:                               # `report health` and the studio's Health screen
#   at_risk: {score_below: 40, days_without_pulse: 120}   # (docs health: every rule)

# writes:
#   health:
#     template: create_pulse
#     input: health.csv
#     map: {clientId: client_id, note: comment}
"""


@cli.command()
@click.argument("path", default="flow.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter flow file (default: flow.yaml)."""
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; use --force to overwrite it")
    path.write_text(STARTER_FLOW, encoding="utf-8")
    path.chmod(0o600)
    echo(f"wrote {path}; edit it, then run: clientsuccess-connector sync --flow {path}")
    echo(
        "To try it first against the simulator: run `clientsuccess-connector simulate` in "
        "another terminal, export the two variables it prints, then sync. "
        "Docs: clientsuccess-connector docs flows"
    )
