"""Who a row is: its ledger key, its content hash, and the natural key a writer fills in.

A row's key is, by default, its mapped request (path, query and body; equal rows are told apart
by how many came before), or the values of the fields the user names (`key: [externalId]`),
which then must be unique in the input. Either way the key does not depend on the input's name
or the row's position, so one ledger serves every export of the same data. The content hash is
the mapped request, so a row whose key was written before can be told changed or unchanged.
A template with a `generated_key` (a pulse's uuid) gets one per row when the input gives none,
derived from the ledger's salt and the row's key: the same row re-sent after a crash carries the
same uuid, and a look-up can tell whether the first send created it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from clientsuccess_connector.catalog import Template
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.write.ledger import RowKeys, content_hash
from clientsuccess_connector.write.mapping import Prepared, RowError

_NAMESPACE = uuid.UUID("6f1b5a3e-2c4d-4e8f-9a7b-1c2d3e4f5a6b")


class RowIdentity:
    """Keys, content hashes and generated keys of one run's rows."""

    def __init__(
        self, template: Template, key_fields: Sequence[str], *, salt: str, instance: str
    ) -> None:
        known = {p.name for p in template.params}
        unknown = [name for name in key_fields if name not in known]
        if unknown and template.name != "manual":
            raise ConfigError(
                f"`key` names {', '.join(map(repr, unknown))}, not a field of {template.name}; "
                f"name the template fields that identify a row, e.g. "
                f"{', '.join(template.natural_key or ('id',))}"
            )
        self.template = template
        self.key_fields = tuple(key_fields)
        self._seed = f"{instance}|{template.name}|{salt}"
        self._content_keys = RowKeys()
        self._user_keys: dict[str, int] = {}  # key -> the row that had it first

    def identify(self, row: int, prepared: Prepared) -> tuple[str, str]:
        """(the row's ledger key, the hash of its content); a RowError for a repeated key."""
        request = {"path": prepared.path_values, "query": prepared.query, "body": prepared.body}
        content = content_hash(request)
        if not self.key_fields:
            return self._content_keys.next_of(content), content
        values = {name: _value(prepared, name) for name in self.key_fields}
        missing = [name for name, value in values.items() if value in (None, "")]
        if missing:
            raise RowError(f"key field {missing[0]} is empty; every row needs its key")
        key = "k:" + content_hash(values)
        first = self._user_keys.setdefault(key, row)
        if first != row:
            shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
            raise RowError(f"key {shown} repeats row {first}; each key may appear once")
        return key, content

    def fill_generated(self, prepared: Prepared, key: str) -> None:
        """Give the row its generated natural key (a uuid) when the input gave none."""
        name = self.template.generated_key
        if name is None or prepared.body.get(name) not in (None, ""):
            return
        prepared.body[name] = str(uuid.uuid5(_NAMESPACE, f"{self._seed}|{key}"))


def _value(prepared: Prepared, name: str) -> Any:
    for part in (prepared.body, prepared.path_values, prepared.query):
        if name in part:
            return part[name]
    return None
