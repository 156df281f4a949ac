"""Connection settings for a Test, a sync or a write: the CLI's, or none for a dry run."""

from __future__ import annotations

from clientsuccess_connector.config.flow import Flow
from clientsuccess_connector.connection import ConnectionSettings
from clientsuccess_connector.credentials import resolve_settings
from clientsuccess_connector.studio.services.credentials import Credentials


def connection_settings(
    credentials: Credentials, credential: str | None, flow: Flow | None
) -> ConnectionSettings:
    """Settings as the CLI's `--credential NAME --flow FILE` would have them, secrets required."""
    connection = flow.connection if flow is not None else None
    label = str(flow.path) if flow is not None and flow.path else None
    settings = resolve_settings(connection, credential, store=credentials.store, flow_label=label)
    settings.require_credentials()
    return settings


def offline_settings() -> ConnectionSettings:
    """Settings without credentials, for a dry run (which sends nothing)."""
    return ConnectionSettings()
