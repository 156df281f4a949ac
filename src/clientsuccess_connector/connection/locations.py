"""Every URL the toolkit accepts, parsed and masked in one place.

Destinations: `duckdb:///F`, `postgresql://...`, `jsonl:///DIR`, `csv:///DIR`, `parquet:///DIR`.
Inputs: `duckdb:///F?table=T[&order_by=C]` (or `?query=SQL`) and `postgresql://...` alike.

One path rule for DuckDB and file URLs, the one SQLAlchemy and dlt use: three slashes and a
relative path (`duckdb:///data/x.duckdb` is `./data/x.duckdb`), four slashes for an absolute
path (`duckdb:////srv/x.duckdb` is `/srv/x.duckdb`).

In a PostgreSQL URL every libpq parameter (`sslmode`, `sslrootcert`, `options`,
`application_name`, ...) goes to the server as written; the toolkit's own options (`schema`,
`table`, `query`) are taken out first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from clientsuccess_connector.connection.redaction import mask_secrets, mask_url
from clientsuccess_connector.errors import ConfigError, missing_extra

DESTINATION_FORMS = (
    "duckdb:///path.duckdb, postgresql://user:pass@host:port/db[?schema=S], "
    "jsonl:///dir, csv:///dir or parquet:///dir"
)
INPUT_FORMS = (
    "duckdb:///file.duckdb?table=T (or ?query=SQL) or postgresql://user:pass@host/db?query=SQL"
)
FILE_FORMATS = ("jsonl", "csv", "parquet")
POSTGRES_SCHEMES = ("postgresql", "postgres")

# The toolkit's own options, per kind of destination (a PostgreSQL URL also takes libpq's).
DESTINATION_OPTIONS: Mapping[str, tuple[str, ...]] = {
    "duckdb": ("memory_limit", "naming"),
    "postgresql": ("schema", "naming"),
    **dict.fromkeys(FILE_FORMATS, ("memory_limit", "naming")),
    "csv": ("memory_limit", "naming", "formulas"),
}
# `query=` comes last: the SQL runs to the end of the URL. `order_by=` goes with `table=`.
INPUT_OPTIONS = ("table", "order_by", "query")

# The password of one URL (anchored at its start, so matched once: linear).
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@]*):(?P<pw>[^\s?]*)@")


@dataclass(frozen=True)
class Location:
    """A parsed URL: its `kind` (duckdb, postgresql or a file format), the filesystem `path`
    of local kinds, the libpq `conninfo` of PostgreSQL (our options removed) and our `options`.

    `masked` is the URL as it may be shown; `mask(text)` hides this URL's secrets in any text
    (a driver's error message, say)."""

    kind: str
    masked: str
    path: Path | None = None
    conninfo: str | None = field(default=None, repr=False)
    options: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def mask(self, text: str) -> str:
        """`text` with this URL's password (in every form) and any URL password masked."""
        return mask_secrets(text, self.secrets)

    @property
    def without_query(self) -> str:
        """The masked URL without its `?...` part (a long SQL query, say)."""
        return self.masked.partition("?")[0]


def is_database_url(spec: str) -> bool:
    """True for a `duckdb://` or `postgresql://` (`postgres://`) URL."""
    scheme = spec.partition("://")[0].lower()
    return "://" in spec and (scheme == "duckdb" or scheme in POSTGRES_SCHEMES)


def parse_destination(url: str) -> Location:
    """Parse a destination URL; ConfigError naming the URL and the accepted forms if bad."""
    masked = mask_url(url)
    scheme, rest, query = _split(url, masked, "destination", DESTINATION_FORMS)
    if scheme in POSTGRES_SCHEMES:
        ours, libpq = _options(query, DESTINATION_OPTIONS["postgresql"])
        return _postgres(url, masked, rest, ours, libpq, "destination")
    if scheme not in DESTINATION_OPTIONS:
        raise _bad(
            "destination", masked, f"the scheme {scheme!r} is not supported", DESTINATION_FORMS
        )
    ours, unknown = _options(query, DESTINATION_OPTIONS[scheme])
    _refuse_unknown(unknown, masked, "destination", scheme, DESTINATION_OPTIONS[scheme])
    path = _local_path(rest, masked, "destination", DESTINATION_FORMS)
    return Location(scheme, masked, path=path, options=ours)


def parse_input(url: str) -> Location:
    """Parse a database input URL; its options hold exactly one of `table` and `query`."""
    masked = mask_url(url)
    scheme, rest, query = _split(url, masked, "input", INPUT_FORMS)
    ours, others = _options(query, INPUT_OPTIONS, rest_of_url="query")
    if scheme in POSTGRES_SCHEMES:
        location = _postgres(url, masked, rest, ours, others, "input")
    elif scheme == "duckdb":
        _refuse_unknown(others, masked, "input", scheme, INPUT_OPTIONS)
        location = Location(scheme, masked, path=_local_path(rest, masked, "input", INPUT_FORMS),
                            options=ours)  # fmt: skip
    else:
        raise _bad("input", masked, f"the scheme {scheme!r} is not an input", INPUT_FORMS)
    _check_table_or_query(location)
    return location


def absolute_hint(location: Location) -> str:
    """For a relative path that does not exist while its absolute twin does: how to name that."""
    path = location.path
    if path is None or path.is_absolute() or path.exists() or not Path("/", path).exists():
        return ""
    return f"; for the absolute path /{path} write {location.kind}:////{path} (four slashes)"


# --- internals --------------------------------------------------------------------------------


def _split(url: str, masked: str, role: str, forms: str) -> tuple[str, str, str]:
    """`(scheme, rest up to ?, raw query)`; the scheme lower-cased."""
    scheme, sep, rest = url.partition("://")
    if not sep or not rest:
        raise _bad(role, masked, "it has no scheme://", forms)
    rest, _, query = rest.partition("?")
    return scheme.lower(), rest, query


def _options(
    query: str, ours: tuple[str, ...], *, rest_of_url: str | None = None
) -> tuple[dict[str, str], list[str]]:
    """Split a raw query into our options (decoded) and the other `key=value` pairs (raw).

    The option named `rest_of_url` takes everything after it, `&` and `=` included."""
    mine: dict[str, str] = {}
    others: list[str] = []
    while query:
        pair, _, remainder = query.partition("&")
        key = unquote(pair.partition("=")[0]).strip()
        if key == rest_of_url:
            mine[key] = unquote(query.partition("=")[2]).strip()
            break
        if key in ours:
            mine[key] = unquote(pair.partition("=")[2]).strip()
        elif pair:
            others.append(pair)
        query = remainder
    return mine, others


def _refuse_unknown(
    pairs: list[str], masked: str, role: str, kind: str, valid: tuple[str, ...]
) -> None:
    if not pairs:
        return
    name = unquote(pairs[0].partition("=")[0])
    takes = f"take: {', '.join(valid)}" if valid else "take no options"
    raise ConfigError(f"{role} {masked!r}: unknown option {name!r}; {kind} {role}s {takes}")


def _local_path(rest: str, masked: str, role: str, forms: str) -> Path:
    """The path of `scheme:///rel` (relative) or `scheme:////abs` (absolute)."""
    if not rest.startswith("/"):
        raise _bad(role, masked, "the path must follow three slashes, as in duckdb:///file.duckdb",
                   forms)  # fmt: skip
    text = rest[1:]
    if text.startswith("/"):
        text = "/" + text.lstrip("/")
    if not text:
        raise _bad(role, masked, "it names no path", forms)
    return Path(text)


def _postgres(
    url: str,
    masked: str,
    rest: str,
    ours: dict[str, str],
    libpq: list[str],
    role: str,
) -> Location:
    """A PostgreSQL location: libpq parameters kept as written, checked without connecting."""
    try:
        from psycopg import Error  # noqa: PLC0415  (heavy; loaded only for PostgreSQL)
        from psycopg.conninfo import conninfo_to_dict  # noqa: PLC0415
    except ImportError as exc:  # the [postgres] extra
        raise missing_extra("postgres", exc) from None

    is_destination = role == "destination"
    forms = DESTINATION_FORMS if is_destination else INPUT_FORMS
    own = DESTINATION_OPTIONS["postgresql"] if is_destination else INPUT_OPTIONS
    raw_password = _raw_password(url)
    secrets = (raw_password, unquote(raw_password)) if raw_password else ()
    conninfo = f"postgresql://{rest}" + (f"?{'&'.join(libpq)}" if libpq else "")
    if not rest.partition("/")[2].strip():
        raise _bad(role, masked, "it names no database", forms)
    _refuse_foreign(libpq, masked, role, own)
    try:
        params = conninfo_to_dict(conninfo)
    except Error as exc:
        why = mask_secrets(str(exc).strip().splitlines()[0], secrets) or type(exc).__name__
        if "percent-encoded" in why:  # libpq quotes the token: a password, maybe a short one
            why = "a % that does not start a %XX escape; write % in a password or option as %25"
        raise _bad(role, masked, why, forms) from None
    found = [str(params.get(key)) for key in ("password", "sslpassword") if params.get(key)]
    return Location(
        "postgresql", masked, conninfo=conninfo, options=ours, secrets=(*secrets, *found)
    )


def _refuse_foreign(pairs: list[str], masked: str, role: str, ours: tuple[str, ...]) -> None:
    """An option that is neither ours nor a libpq parameter: name both lists' owners."""
    from psycopg import pq  # noqa: PLC0415

    libpq = {o.keyword.decode() for o in pq.Conninfo.get_defaults()}
    for pair in pairs:
        name = unquote(pair.partition("=")[0]).strip()
        if name not in libpq:
            raise ConfigError(
                f"{role} {masked!r}: unknown option {name!r}; a PostgreSQL {role} takes "
                f"{', '.join(ours)} and the libpq parameters (sslmode, sslrootcert, "
                "application_name, options, connect_timeout, ...)"
            )


def _raw_password(url: str) -> str | None:
    match = _URL_PASSWORD.match(url)
    return match["pw"] if match and match["pw"] else None


def _check_table_or_query(location: Location) -> None:
    options = location.options
    where = location.without_query
    if not options:
        raise ConfigError(
            f"input {where!r} names no table or query; use ?table=T or ?query=SELECT ..."
        )
    if "table" in options and "query" in options:
        raise ConfigError(f"input {where!r} gives both table= and query=; give one of them")
    if "order_by" in options and "table" not in options:
        raise ConfigError(
            f"input {where!r} gives order_by= without table=; give ?table=T&order_by=COLUMN, "
            "or write ORDER BY in the query"
        )
    if "query" in options and not options["query"]:
        raise ConfigError(f"input {where!r} has an empty query; give ?query=SELECT ...")
    if "table" in options and not options["table"]:
        raise ConfigError(f"input {where!r} has an empty table name; give ?table=NAME")


def _bad(role: str, masked: str, why: str, forms: str) -> ConfigError:
    return ConfigError(f"bad {role} {masked!r} ({why}); use {forms}")
