"""The typed shape of connection settings, shared by a flow's `connection:` and ConnectionSettings.

Values are converted where the meaning is plain (`"4"` from an environment variable becomes 4,
`"false"` becomes false); anything else is an error naming the setting.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from clientsuccess_connector.config.base import Strict


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str) else value


def _not_bool(value: object) -> object:
    """true/false is not a number, although Python counts it as one."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_not_number", "a number, not true or false")
    return value


def _not_bool_whole(value: object) -> object:
    if isinstance(value, bool):
        raise PydanticCustomError("bool_not_whole", "a whole number, not true or false")
    return value


TextList = Annotated[list[str], BeforeValidator(_one_or_many)]
Whole = Annotated[int, BeforeValidator(_not_bool_whole)]
Number = Annotated[float, BeforeValidator(_not_bool)]
Positive = Annotated[Number, Field(gt=0)]
NonNegative = Annotated[Number, Field(ge=0)]
AtLeastOne = Annotated[Whole, Field(ge=1)]


class ConnectionFields(Strict):
    """Every connection setting (see docs/flows.md and docs/security.md)."""

    base_url: str | None = Field(
        None, description="The API root, e.g. https://api.clientsuccess.com/api/v1."
    )
    api_key: str | None = Field(
        None, description="The API key; write ${CLIENTSUCCESS_API_KEY}, never the key itself."
    )
    api_key_header: Literal["X-API-Key", "Authorization"] | None = Field(
        None, description="The header carrying the key."
    )
    username: str | None = Field(None, description="Login user name (instead of an API key).")
    password: str | None = Field(
        None, description="Login password; write ${CLIENTSUCCESS_PASSWORD}."
    )
    auth_url: str | None = Field(
        None, description="The session-token login endpoint, if not {origin}/v1/auth."
    )
    timeout: Positive | None = Field(
        None, description="Seconds to wait for each read.", examples=[30]
    )
    max_concurrency: AtLeastOne | None = Field(
        None, description="Requests in flight at once.", examples=[4]
    )
    requests_per_second: Positive | None = Field(
        None, description="A client-side rate limit.", examples=[10]
    )
    max_attempts: AtLeastOne | None = Field(
        None, description="Attempts per request, the first included.", examples=[6]
    )
    max_retry_seconds: NonNegative | None = Field(
        None, description="Seconds spent retrying one request, at most.", examples=[120]
    )
    backoff_base: NonNegative | None = Field(
        None, description="First retry pause in seconds.", examples=[0.5]
    )
    backoff_cap: NonNegative | None = Field(
        None, description="Longest retry pause in seconds.", examples=[30]
    )
    verify_tls: bool | None = Field(
        None, description="Verify certificates and host names.", examples=[True]
    )
    send_credentials_to: TextList | None = Field(
        None, description="Other origins (https://host[:port]) the credentials may go to."
    )
    secret_headers: TextList | None = Field(
        None, description="Header names whose values are masked like secrets."
    )
    max_response_mb: Positive | None = Field(
        None, description="Largest decompressed response, in MB.", examples=[256]
    )
    request_deadline: Positive | None = Field(
        None, description="Seconds one request may take in all.", examples=[300]
    )
    attempt_deadline: Positive | None = Field(
        None,
        description="Seconds one attempt (one send and its whole answer) may take.",
        examples=[60],
    )
    series_deadline: Positive | None = Field(
        None,
        description="Seconds one page series (all the pages of one read) may take in all.",
        examples=[21600],
    )


class SettingsModel(ConnectionFields):
    """ConnectionSettings as the library builds them: the flow's keys plus headers."""

    headers: dict[str, str] | None = None


class ConnectionModel(ConnectionFields):
    """A flow file's `connection:` block."""

    credential: str | None = Field(
        None, description="A stored credential's name (`credentials list`)."
    )
