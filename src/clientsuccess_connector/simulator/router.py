"""Routes built from the endpoint catalogue: every template, under `/api/v1` and `/v2`.

Templates whose path begins with `/v1/` are legacy v1 routes and live at the origin instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from clientsuccess_connector.catalog import Template, catalog

PREFIXES = ("/api/v1", "/v2")
AUTH_PATHS = ("/v1/auth", "/api/v1/auth")
V1_ROUTES = "/v1/"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_PLACEHOLDER = re.compile(r"{(\w+)}")


@dataclass(frozen=True, slots=True)
class Match:
    """A request resolved to a template, with its path parameters (already URL-decoded)."""

    template: Template
    path_params: dict[str, str]
    prefix: str


class Router:
    """Resolves (method, path) to a template. Static paths win over `{param}` paths."""

    def __init__(self, templates: dict[str, Template] | None = None) -> None:
        self.templates = templates if templates is not None else catalog()
        self._static: dict[tuple[str, str], Template] = {}
        self._dynamic: list[tuple[str, re.Pattern[str], Template]] = []
        for template in self.templates.values():
            if "{" in template.path:
                pattern = _PLACEHOLDER.sub(
                    r"(?P<\1>[^/]+)",
                    re.escape(template.path).replace(r"\{", "{").replace(r"\}", "}"),
                )
                self._dynamic.append((template.method, re.compile(pattern + "$"), template))
            else:
                self._static[(template.method, template.path)] = template

    def allowed(self, path: str) -> list[str]:
        """The methods some template answers on `path` (for OPTIONS)."""
        return [m for m in METHODS if isinstance(self.match(m, path), Match)]

    def match(self, method: str, path: str) -> Match | bool | None:
        """The match; False when the path exists under another method; None when unknown."""
        if path.startswith(V1_ROUTES):
            prefix, rest = "", path
        else:
            for prefix in PREFIXES:
                if path.startswith(prefix + "/"):
                    rest = path[len(prefix) :]
                    break
            else:
                return None
            if rest.startswith(V1_ROUTES):
                return None  # v1 routes are not served under a base path
        if len(rest) > 1 and rest.endswith("/"):
            rest = rest[:-1]
        template = self._static.get((method, rest))
        if template is not None:
            return Match(template, {}, prefix)
        other_method = any(p == rest for (_, p) in self._static)
        for t_method, pattern, template in self._dynamic:
            m = pattern.match(rest)
            if m is None:
                continue
            if t_method == method:
                if any((m2, rest) in self._static for m2 in ("GET", "POST", "PUT", "PATCH")):
                    continue
                params = {k: unquote(v) for k, v in m.groupdict().items()}
                return Match(template, params, prefix)
            other_method = True
        return False if other_method else None
