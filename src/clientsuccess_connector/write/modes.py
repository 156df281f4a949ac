"""Sync semantics for writes: `mode: insert | update | upsert`, keyed by a natural key or the id.

With a ledger, each row's key says whether it was written before and with what content:
- a row written before with the same content is skipped (every mode);
- a changed row is skipped by `insert`, and sent as an update by `update` and `upsert`: through
  the template itself when sending it again updates (an upsert or update template), otherwise
  through the catalogue's `update_template`, addressed by the id the ledger remembers;
- a row never written is created by `insert` and `upsert`; `update` sends it only through a
  template that updates by itself (it has the id), and reports it otherwise.
Without a mode, a row is known by its whole request: any change makes it a new row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from clientsuccess_connector.catalog import Template
from clientsuccess_connector.connection.urls import render_path
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.write.batching import Unit
from clientsuccess_connector.write.ledger import Prior
from clientsuccess_connector.write.mapping import Prepared

MODES = ("insert", "update", "upsert")
Action = Literal["send", "skip", "update", "error"]


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one row: send it, skip it, send it as an update, or report `error`."""

    action: Action
    error: str | None = None


_SEND, _SKIP, _UPDATE = Decision("send"), Decision("skip"), Decision("update")


def key_fields(template: Template, mode: str | None, key: Sequence[str]) -> tuple[str, ...]:
    """The fields that identify a row: the user's `key`, or under a mode the natural key."""
    if key or mode is None:
        return tuple(key)
    if mode not in MODES:
        raise ConfigError(f"`mode` {mode!r} is not one of {', '.join(MODES)}")
    natural = template.natural_key
    if not natural or template.generated_key in natural:
        raise ConfigError(
            f"`mode: {mode}` needs `key`: the fields that identify a row of {template.name} "
            "(e.g. key: externalId, or the record's id for an update template)"
        )
    return natural


class Modes:
    """Decides, row by row, what a write in one mode sends."""

    def __init__(
        self, template: Template, mode: str | None, resolve: Callable[[str], Template]
    ) -> None:
        if mode is not None and mode not in MODES:
            raise ConfigError(f"`mode` {mode!r} is not one of {', '.join(MODES)}")
        self.template = template
        self.mode = mode
        self.updates_itself = template.resend_is_safe and template.method != "DELETE"
        self.update: Template | None = None
        if mode in ("update", "upsert") and not self.updates_itself and template.update_template:
            self.update = resolve(template.update_template)

    def decide(self, prior: Prior, content: str) -> Decision:
        """What to do with a row whose key has `prior` history and whose content is `content`."""
        if prior.state == "done":
            if self.mode is None or prior.content in (None, content):
                return _SKIP  # (a ledger line from before content hashes counts as unchanged)
            if self.mode == "insert":
                return _SKIP
            if self.updates_itself:
                return _SEND
            if self.update is None:
                return Decision("error", self._no_update())
            if prior.id is None:
                return Decision("error", "changed, but the ledger has no id to update it by")
            return _UPDATE
        if self.mode == "update" and not self.updates_itself:
            return Decision(
                "error",
                "no record was written for this key yet; `mode: update` changes only records "
                "this ledger wrote (use `mode: upsert` to create it)",
            )
        return _SEND

    def _no_update(self) -> str:
        return (
            f"changed since it was written, but {self.template.name} has no update template; "
            "use `mode: insert` to leave changed rows alone"
        )

    def update_unit(self, row: int, prepared: Prepared, ident: Any) -> Unit:
        """The request that changes the record `ident` to the row's values."""
        update, id_field = self.update, self.template.update_id
        assert update is not None and id_field is not None
        fields = {p.name for p in update.params if p.location == "body"}
        body = {name: value for name, value in prepared.body.items() if name in fields}
        path = render_path(update.path, {**prepared.path_values, id_field: ident})
        return Unit([row], update.method, path, {}, update.api_body(body), [body])
