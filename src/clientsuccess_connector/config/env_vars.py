"""`${VAR}` in a flow file: expanded in values only, from variables the flow may use.

A flow may read `CLIENTSUCCESS_*` variables and the names it declares in its top-level `env:`
list; any other `${NAME}` is an error, so a flow file from elsewhere cannot read `${HOME}` or a
cloud token into a URL. `${VAR:-default}` gives a default when VAR is unset or empty, and `$${`
writes a literal `${`. A value read from a variable whose name looks secret (KEY, TOKEN,
SECRET, PASSWORD, PASS, AUTH) is registered with the redactor, so it is masked wherever shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from clientsuccess_connector.config.base import shown_key
from clientsuccess_connector.connection.redaction import register_secret
from clientsuccess_connector.errors import ConfigError

ALLOWED_PREFIX = "CLIENTSUCCESS_"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_INNER = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>.*))?$", re.DOTALL)
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASS|AUTH", re.IGNORECASE)


def declared_names(raw: Any, label: str) -> frozenset[str]:
    """The variable names a flow's top-level `env:` list declares."""
    if raw is None:
        return frozenset()
    if not isinstance(raw, list) or not all(isinstance(n, str) and NAME.match(n) for n in raw):
        raise ConfigError(
            f"{label}: env must be a list of environment variable names, e.g. env: [MY_TOKEN]"
        )
    return frozenset(raw)


def looks_secret_name(name: str) -> bool:
    """True for a variable whose value is a credential by its name (API_KEY, MY_TOKEN...)."""
    return bool(_SECRET_NAME.search(name))


def has_reference(text: str) -> bool:
    """True when `text` reads at least one variable (`${...}`, not the `$${` escape)."""
    return any(match.group(1) is not None for match in _REFERENCE.finditer(text))


def expand(value: Any, env: Mapping[str, str], declared: frozenset[str], where: str = "") -> Any:
    """`value` with every `${VAR}` in its strings replaced; keys are left as written."""
    if isinstance(value, str):
        return _expand_text(value, env, declared, where)
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and has_reference(key):
                raise ConfigError(
                    f"{_at(where, shown_key(key))}: ${{...}} is expanded in values only, never "
                    "in keys; write the key out"
                )
            shown = shown_key(key)  # a key with a line break or quote is shown escaped
            out[key] = expand(item, env, declared, f"{where}.{shown}" if where else shown)
        return out
    if isinstance(value, list):
        return [expand(v, env, declared, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _expand_text(text: str, env: Mapping[str, str], declared: frozenset[str], where: str) -> str:
    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner is None:  # `$${`: a literal `${`
            return "${"
        parsed = _INNER.match(inner)
        if parsed is None:
            raise ConfigError(
                f"{_at(where)}: ${{{inner}}} is not a variable reference; write ${{NAME}} or "
                "${NAME:-default} (and $${ for a literal ${)"
            )
        name, default = parsed["name"], parsed["default"]
        if not name.startswith(ALLOWED_PREFIX) and name not in declared:
            raise ConfigError(
                f"{_at(where)}: ${{{name}}} is not a variable this flow may read; declare it "
                f"with `env: [{name}]` at the top of the flow file, or use a "
                f"{ALLOWED_PREFIX}* variable"
            )
        found = env.get(name)
        if found is None or (not found and default is not None):
            if default is None:
                raise ConfigError(
                    f"{_at(where)}: environment variable {name} is not set; set it, or write "
                    f"${{{name}:-default}}"
                )
            found = default
        if looks_secret_name(name):
            register_secret(found)
        return found

    return _REFERENCE.sub(replace, text)


def _at(where: str, key: str | None = None) -> str:
    return f"{where}.{key}" if where and key else (where or key or "flow")
