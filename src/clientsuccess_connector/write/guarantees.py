"""What a write template guarantees when an answer is lost, and what makes it hold.

exactly once   a create whose unknown outcome is settled by looking the record up by its
               natural key: found, it is done; surely absent, it is sent again;
at least once  an idempotent write or an upsert: re-sent until it is answered, and a second
               send leaves what the first did (the effect of once);
at most once   nothing can tell "created" from "not created": an unknown outcome is reported,
               never re-sent (`retry_unknown` makes such a row "at least once", duplicates
               possible).
docs/writing.md states the same per template; a test keeps the two in step.
"""

from __future__ import annotations

from clientsuccess_connector.catalog import Template


def guarantee(template: Template) -> tuple[str, str]:
    """(exactly once | at least once | at most once, why) for a write through `template`."""
    if template.upsert_keys:
        keys = " + ".join(template.upsert_keys)
        return "at least once", f"an upsert on {keys}: a second send updates the same record"
    if template.idempotent:
        return (
            "at least once",
            f"{template.method} is idempotent here: a second send changes nothing",
        )
    if template.lookup and template.natural_key:
        keys = " + ".join(template.natural_key)
        why = f"an unknown outcome is looked up with {template.lookup} by {keys}"
        if template.generated_key:
            why += f"; {template.generated_key} is derived from the row when the input has none"
        optional = [name for name in template.natural_key if not _required(template, name)]
        if optional and not template.generated_key:
            why += f"; rows without {' or '.join(optional)} are at most once"
        return "exactly once", why
    return "at most once", "no natural key to look a record up by: an unknown outcome is reported"


def _required(template: Template, name: str) -> bool:
    param = template.param(name)
    return param is not None and param.required
