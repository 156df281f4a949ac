"""`--about`: the tap's name, version, capabilities and settings, as Meltano reads them.

The settings are the connection settings model (`ConnectionSettings`) field by field, with
their types and defaults, plus `credential` and `flow`; `api_key` and `password` are secret.
Formats: text, json (the Meltano SDK's shape), markdown (for a README or Meltano Hub).
"""

from __future__ import annotations

import json
from dataclasses import MISSING, fields
from typing import Any

from clientsuccess_connector._version import __version__
from clientsuccess_connector.connection import ConnectionSettings

NAME = "tap-clientsuccess-connector"
DESCRIPTION = "Singer tap for ClientSuccess, over the clientsuccess-connector reading engine."
CAPABILITIES = ("catalog", "discover", "state", "about", "activate-version")
FORMATS = ("text", "json", "markdown")
SECRETS = frozenset({"api_key", "password"})
_DESCRIPTIONS = {
    "flow": "A flow file whose sources become the streams (default: the default streams).",
    "credential": "A named credential (`credentials add`) to connect with.",
    "base_url": "Base URL that template paths are appended to.",
    "api_key": "API key, sent in the header `api_key_header` names.",
    "api_key_header": "Header that carries the API key: X-API-Key or Authorization.",
    "username": "Login name for session-token authentication.",
    "password": "Password for session-token authentication.",
    "auth_url": "Login URL override (default: {origin}/v1/auth).",
    "timeout": "Seconds to wait for one answer.",
    "max_concurrency": "Requests in flight at once.",
    "requests_per_second": "Client-side rate limit.",
    "max_attempts": "Attempts per request, retries included.",
    "verify_tls": "Check the server's TLS certificate.",
    "headers": "Extra headers sent on every request.",
}
_JSON_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean",
               "Mapping": "object", "tuple": "array"}  # fmt: skip


def _json_type(annotation: str) -> str:
    head = annotation.split("[", maxsplit=1)[0].split("|", maxsplit=1)[0].strip()
    return _JSON_TYPES.get(head, "string")


def settings_schema() -> dict[str, Any]:
    """The settings as a JSON Schema, each with its type, default, description and secrecy."""
    props: dict[str, dict[str, Any]] = {
        "flow": {"type": ["string", "null"]},
        "credential": {"type": ["string", "null"]},
    }
    for f in fields(ConnectionSettings):
        prop: dict[str, Any] = {"type": [_json_type(str(f.type)), "null"]}
        if f.default is not MISSING and f.default is not None:
            prop["default"] = f.default
        props[f.name] = prop
    for name, prop in props.items():
        if name in _DESCRIPTIONS:
            prop["description"] = _DESCRIPTIONS[name]
        if name in SECRETS:
            prop["secret"] = True
            prop["writeOnly"] = True
    return {"type": "object", "properties": props, "required": []}


def about(fmt: str) -> str:
    """The --about text in `fmt` (text, json or markdown)."""
    info: dict[str, Any] = {
        "name": NAME, "description": DESCRIPTION, "version": __version__,
        "capabilities": list(CAPABILITIES), "settings": settings_schema(),
    }  # fmt: skip
    if fmt == "json":
        return json.dumps(info, indent=2)
    props = info["settings"]["properties"]
    if fmt == "markdown":
        lines = [f"# `{NAME}`", "", DESCRIPTION, "", f"Version: {__version__}", "",
                 "## Capabilities", "", *[f"* `{c}`" for c in CAPABILITIES], "",
                 "## Settings", "", "| Setting | Type | Default | Secret | Description |",
                 "|:--|:--|:--|:--|:--|"]  # fmt: skip
        for name, prop in props.items():
            lines.append(
                f"| {name} | {prop['type'][0]} | {prop.get('default', '')} | "
                f"{'yes' if prop.get('secret') else ''} | {prop.get('description', '')} |"
            )
        lines += ["", "Settings the config omits come from the `CLIENTSUCCESS_*` variables."]
        return "\n".join(lines)
    lines = [f"Name: {NAME}", f"Version: {__version__}", f"Description: {DESCRIPTION}",
             f"Capabilities: {', '.join(CAPABILITIES)}", "Settings:"]  # fmt: skip
    for name, prop in props.items():
        default = f" (default {prop['default']})" if "default" in prop else ""
        secret = " [secret]" if prop.get("secret") else ""
        lines.append(f"  {name}: {prop['type'][0]}{default}{secret}")
    return "\n".join(lines)
