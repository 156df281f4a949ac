"""Option bundles and helpers shared by commands: source options, connection, key=value pairs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import orjson

from clientsuccess_connector.cli.completion import complete_credentials, complete_read_templates
from clientsuccess_connector.cli.logs import log_format, notice
from clientsuccess_connector.cli.terminal import echo
from clientsuccess_connector.connection.redaction import mask_url
from clientsuccess_connector.errors import ConfigError

if TYPE_CHECKING:  # loaded by the functions using them: `templates` needs none of them
    from clientsuccess_connector.config.flow import Flow
    from clientsuccess_connector.connection import Connection, ConnectionSettings
    from clientsuccess_connector.read.endpoint import SourceSpec

F = TypeVar("F", bound=Callable[..., Any])


def parse_pairs(pairs: Iterable[str], option: str) -> dict[str, str]:
    """`NAME=VALUE` strings as a dict (the value may hold `=`); a ConfigError naming the option.

    The one parser of the CLI's `NAME=VALUE` options (`-p`, `--map`, `--set`).
    """
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigError(
                f"{option} {pair!r} is not NAME=VALUE; write it as {option} NAME=VALUE"
            )
        values[name.strip()] = value
    return values


def source_options(func: F) -> F:
    """SOURCE for `test` and `paths`: a template, a manual endpoint, or a flow source."""
    options = [
        click.argument("name", required=False, shell_complete=complete_read_templates),
        click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
                     help="Template parameter (or query parameter of a manual endpoint)."),
        click.option("--flow", "flow_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Flow file; NAME is then one of its sources."),
        click.option("--url", help="Manual endpoint URL, absolute or relative to the base URL."),
        click.option("--method", default=None, help="HTTP method of a manual endpoint [GET]."),
        click.option("--data-path", help="Path to Data: JSONPath ($.data[*]) or XPath."),
        click.option("--metadata-path", help="Path to Metadata, merged into records as _metadata."),
        click.option("--header", "headers", multiple=True, metavar="'h1:v1,h2:v2'",
                     help="Extra request headers."),
        click.option("--date-format", help="Format of {now} macros, e.g. yyyy-MM-dd or %Y-%m-%d."),
        click.option("--time-unit", help="Unit of N in {now-N}: second ... year [day]."),
        click.option("--body", help="JSON request body of a manual endpoint."),
        click.option("--pagination", help="auto, envelope, page_number, offset, cursor, "
                     "next_url, link_header or none [auto for manual endpoints]."),
        click.option("--page-size", type=int, help="Records per page (envelope: `size`)."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def load_flow_option(flow_file: Path | None) -> Flow | None:
    """The flow `--flow FILE` names, or None; the flow machinery (YAML, the schema library)
    loads only when a file is given."""
    if flow_file is None:
        return None
    from clientsuccess_connector.config.flow import load_flow  # noqa: PLC0415

    return load_flow(flow_file)


def build_source(
    name: str | None,
    *,
    params: tuple[str, ...],
    flow_file: Path | None,
    url: str | None,
    method: str | None,
    data_path: str | None,
    metadata_path: str | None,
    headers: tuple[str, ...],
    date_format: str | None,
    time_unit: str | None,
    body: str | None,
    pagination: str | None,
    page_size: int | None,
) -> tuple[SourceSpec, Flow | None]:
    """The SourceSpec the options describe, and the flow it came from (if any)."""
    from clientsuccess_connector.read.endpoint import SourceSpec  # noqa: PLC0415

    flow = load_flow_option(flow_file)
    values = parse_pairs(params, "-p")
    if flow is not None and name is not None and not url:
        spec = flow.source(name)
        if values:
            spec = replace(spec, params={**spec.params, **values})
        return spec, flow
    parsed_body = None
    if body is not None:
        try:
            parsed_body = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"--body is not valid JSON: {exc}") from None
    common: dict[str, Any] = {
        "params": values,
        "headers": ",".join(headers) or None,
        "data_path": data_path,
        "metadata_path": metadata_path,
        "date_format": date_format,
        "time_unit": time_unit,
        "pagination": pagination,
        "page_size": page_size,
    }
    if url:
        return SourceSpec(
            name or "manual", url=url, method=method, body=parsed_body, **common
        ), flow
    if not name:
        raise ConfigError(
            "give a template name (see `templates`), --url for a manual endpoint, "
            "or --flow FILE with a source name"
        )
    spec = SourceSpec(name, template=name, **common)
    return spec, flow


def credential_option(func: F) -> F:
    """`--credential NAME`: connect with a stored credential (see `credentials`)."""
    return click.option(
        "--credential",
        metavar="NAME",
        shell_complete=complete_credentials,
        help="Stored credential to connect with (see `credentials list`); outranks the flow "
        "file's and CLIENTSUCCESS_CREDENTIAL's.",
    )(func)


@dataclass(frozen=True)
class ConnectionOptions:
    """What a command's flags say about its connection to ClientSuccess."""

    show_requests: bool = False  # print each request (secrets masked) to stderr
    concurrency: int | None = None  # requests in flight at once, over the settings' own
    credentials_required: bool = True  # False when nothing is sent (`write --dry-run`)
    credential: str | None = None  # --credential NAME: a stored credential, over the flow's


def open_connection(
    flow: Flow | None,
    options: ConnectionOptions | None = None,
    *,
    settings: ConnectionSettings | None = None,
) -> Connection:
    """The one place the CLI builds a connection: `settings` (else the flow's, else the
    environment's) with the command's `options` applied, credentials checked, and a warning
    on stderr when TLS certificates are not checked."""
    from clientsuccess_connector.connection import Connection  # noqa: PLC0415
    from clientsuccess_connector.credentials.resolve import resolve_settings  # noqa: PLC0415

    options = options or ConnectionOptions()
    if settings is None:
        label = str(flow.path) if flow and flow.path else None
        connection = flow.connection if flow else None
        settings = resolve_settings(connection, options.credential, flow_label=label)
    if options.concurrency is not None:
        settings = settings.with_overrides(max_concurrency=options.concurrency)
    if options.credentials_required:
        settings.require_credentials()
    if not settings.verify_tls:
        notice("TLS verification is OFF for this connection", "warning")

    def show(text: str) -> None:
        if log_format() == "json":
            notice(mask_url(text), event="request")
        else:
            echo(f"--> {mask_url(text)}\n", err=True)

    return Connection(settings, on_request=show if options.show_requests else None)
