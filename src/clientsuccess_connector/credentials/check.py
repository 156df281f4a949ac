"""`check_credential`: one authenticated search, answered in plain words."""

from __future__ import annotations

import logging

import httpx

from clientsuccess_connector.catalog import get_template
from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.credentials.model import CredentialCheck
from clientsuccess_connector.errors import (
    ApiError,
    AuthError,
    DataError,
    TransportError,
)

logger = logging.getLogger(__name__)

CHECK_TEMPLATE = "search_clients"


def check_credential(
    settings: ConnectionSettings,
    name: str | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
) -> CredentialCheck:
    """Search one client and report: works (with the client count), refused or unreachable.

    `name` only words the answer ("credential prod ..."). Retries are few and short: a check
    answers in seconds. Never raises for an answer from the API; a ConfigError when the
    settings hold no secret.
    """
    settings.require_credentials()
    label = f"credential {name}" if name else "these credentials"
    quick = settings.with_overrides(max_attempts=2, max_retry_seconds=5.0, timeout=15.0)
    path = get_template(CHECK_TEMPLATE).path
    conn = Connection(quick, transport=transport)
    url = conn.mask(settings.base_url)
    try:
        with conn:
            _, doc = conn.request_json("GET", path, params={"page": 0, "size": 1})
    except AuthError as exc:
        what = (
            f"the username {settings.username} and its password"
            if settings.uses_token
            else f"the API key and its header ({settings.api_key_header})"
        )
        return CredentialCheck(
            "refused",
            f"{label} was refused by {url} (HTTP {exc.status}): check {what}, and that this "
            "account may use the API",
        )
    except TransportError as exc:
        logger.info("credential check failed: %s", exc)
        return CredentialCheck(
            "unreachable", f"{label}: {url} cannot be reached; check the base URL and the network"
        )
    except (ApiError, DataError) as exc:
        logger.info("credential check failed: %s", exc)
        status = f"HTTP {exc.status}" if isinstance(exc, ApiError) else "an answer that is not JSON"
        return CredentialCheck(
            "unreachable",
            f"{label}: {url} answered {status}, not the ClientSuccess API; check the base URL "
            "(e.g. https://api.clientsuccess.com/api/v1)",
        )
    total = doc.get("totalElements") if isinstance(doc, dict) else None
    clients = total if isinstance(total, int) else None
    counted = f"{clients:,} clients" if clients is not None else "the API answered"
    return CredentialCheck("works", f"{label} works: {url} ({counted})", clients)
