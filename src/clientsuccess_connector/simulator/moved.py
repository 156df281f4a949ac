"""Moved routes: serve some templates at another path, as an instance that differs from us.

With `SimulatorConfig(moved_routes={"create_contact": "/contact/new"})` the simulator answers
`POST /contact/new` and 404 at `POST /contact`, so tests can show a wrong route failing and a
flow file's `templates:` correction making it work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from clientsuccess_connector.catalog import Template, catalog
from clientsuccess_connector.errors import ConfigError

_PLACEHOLDER = re.compile(r"{(\w+)}")


def moved_catalog(moves: Mapping[str, str]) -> dict[str, Template]:
    """The catalogue with each named template served at its new path (same placeholders)."""
    templates = dict(catalog())
    for name, path in moves.items():
        if name not in templates:
            raise ConfigError(f"moved route {name!r} is not a template; see `templates`")
        template = templates[name]
        wanted = sorted(p.name for p in template.path_params)
        if not path.startswith("/") or sorted(_PLACEHOLDER.findall(path)) != wanted:
            shown = ", ".join(f"{{{w}}}" for w in wanted) or "no placeholders"
            raise ConfigError(
                f"moved route {name}={path!r}: the path must begin with / and hold {shown}"
            )
        templates[name] = replace(template, path=path)
    return templates
