"""Shell completion of values: template names and credential names.

Click completes commands and options by itself once the shell loads its script (docs/install.md);
these functions add the values a user would otherwise look up with `templates` or
`credentials list`. They never raise: a broken config must not break the user's shell.
"""

from __future__ import annotations

from typing import Literal

import click
from click.shell_completion import CompletionItem

__all__ = [
    "complete_credentials",
    "complete_read_templates",
    "complete_templates",
    "complete_write_templates",
]


def _templates(kind: Literal["read", "write"] | None, incomplete: str) -> list[CompletionItem]:
    from clientsuccess_connector.catalog import catalog  # noqa: PLC0415 (only when completing)

    return [
        CompletionItem(name, help=template.title)
        for name, template in catalog().items()
        if kind in (None, template.kind) and name.startswith(incomplete)
    ]


def complete_templates(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Every template name starting with what was typed (`templates`, `check-routes`)."""
    return _templates(None, incomplete)


def complete_read_templates(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Read template names starting with what was typed (`test`, `paths`)."""
    return _templates("read", incomplete)


def complete_write_templates(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Write template names starting with what was typed (`write`)."""
    return _templates("write", incomplete)


def complete_credentials(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Named credentials starting with what was typed; none when the store cannot be read."""
    from clientsuccess_connector.credentials.store import CredentialStore  # noqa: PLC0415

    try:
        names = [info.name for info in CredentialStore().list()]
    except Exception:
        return []
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]
