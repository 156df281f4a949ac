"""Pagination configs: one typed config per pagination type, chosen by `type`.

A flow file says `pagination: offset` or `pagination: {type: cursor, cursor_path: meta.next}`.
`parse_pagination` picks the config class registered for the type and accepts only the options
that type takes, so `{type: cursor, page_size: 50}` is a config error listing cursor's options
instead of a setting silently ignored. `read/pagination.py` holds the paginator of each type.

A config is a frozen spec: comparable, and every field an option a flow file may set. What
belongs to one run (statistics, the precision learnt, where a resumed read starts) travels in
a `ReadRun` (read/run.py) instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class PaginatorConfig:
    """`none`: one request. Every type takes `max_pages`, a cap on the pages read."""

    type: ClassVar[str] = "none"
    max_pages: int | None = None

    @classmethod
    def options(cls) -> tuple[str, ...]:
        """The options this pagination type takes (in a flow file)."""
        return tuple(f.name for f in fields(cls))

    def with_defaults(self, **values: Any) -> PaginatorConfig:
        """A copy with the options among `values` this type takes (others do not apply)."""
        taken = {name: value for name, value in values.items() if name in self.options()}
        return replace(self, **taken) if taken else self


@dataclass(frozen=True, slots=True, kw_only=True)
class AutoPagination(PaginatorConfig):
    """`auto`: detect the scheme from the first answer."""

    type: ClassVar[str] = "auto"
    page_size: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PageNumberPagination(PaginatorConfig):
    """`page_number`: a page number and a page size, with configurable names and first page."""

    type: ClassVar[str] = "page_number"
    page_param: str = "page"
    size_param: str = "size"
    page_size: int | None = None
    start_page: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvelopePagination(PaginatorConfig):
    """`envelope`: the ClientSuccess search envelope (names from the catalogue)."""

    type: ClassVar[str] = "envelope"
    page_size: int | None = None
    start_page: int = field(default_factory=lambda: envelope().first_page)

    @property
    def page_param(self) -> str:
        """The page-number query parameter."""
        return envelope().page_param

    @property
    def size_param(self) -> str:
        """The page-size query parameter."""
        return envelope().size_param


@dataclass(frozen=True, slots=True, kw_only=True)
class KeysetPagination(EnvelopePagination):
    """`keyset`: a search ascending on a timestamp, each page after the newest seen."""

    type: ClassVar[str] = "keyset"
    keyset_field: str = "modifiedTime"
    keyset_param: str = field(default_factory=lambda: envelope().modified_after_param)


@dataclass(frozen=True, slots=True, kw_only=True)
class OffsetPagination(PaginatorConfig):
    """`offset`: an offset and a limit."""

    type: ClassVar[str] = "offset"
    offset_param: str = "offset"
    limit_param: str = "limit"
    page_size: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CursorPagination(PaginatorConfig):
    """`cursor`: a token found in the body goes back as a query parameter."""

    type: ClassVar[str] = "cursor"
    cursor_path: str = "next_cursor"
    cursor_param: str = "cursor"


@dataclass(frozen=True, slots=True, kw_only=True)
class NextUrlPagination(PaginatorConfig):
    """`next_url`: the body says where the next page is."""

    type: ClassVar[str] = "next_url"
    next_url_path: str = "next"


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkHeaderPagination(PaginatorConfig):
    """`link_header`: RFC 8288 `Link: <url>; rel="next"` headers."""

    type: ClassVar[str] = "link_header"


CONFIGS: dict[str, type[PaginatorConfig]] = {
    config.type: config
    for config in (
        AutoPagination, EnvelopePagination, PageNumberPagination, OffsetPagination,
        CursorPagination, NextUrlPagination, LinkHeaderPagination, KeysetPagination,
        PaginatorConfig,
    )
}  # fmt: skip
TYPES = tuple(CONFIGS)
_INTEGER_OPTIONS = frozenset({"max_pages", "page_size", "start_page"})


def parse_pagination(raw: str | Mapping[str, Any] | None, *, where: str) -> PaginatorConfig:
    """From a flow file value: a type name, or a mapping with `type` and that type's options."""
    if raw is None:
        return AutoPagination()
    options = {"type": raw} if isinstance(raw, str) else dict(raw)
    kind = str(options.pop("type", "auto"))
    config = CONFIGS.get(kind)
    if config is None:
        raise ConfigError(
            f"{where}: unknown pagination type {kind!r}; use one of {', '.join(TYPES)}"
        )
    valid = config.options()
    foreign = sorted(set(options) - set(valid))
    if foreign:
        raise ConfigError(
            f"{where}: pagination type {kind!r} does not take {', '.join(foreign)}; "
            f"it takes: {', '.join(valid)}"
        )
    for name, value in options.items():
        wanted, what = (int, "a whole number") if name in _INTEGER_OPTIONS else (str, "text")
        if value is not None and (not isinstance(value, wanted) or isinstance(value, bool)):
            raise ConfigError(f"{where}: pagination option {name} must be {what}, not {value!r}")
    return config(**options)


def page_size_of(config: PaginatorConfig) -> int | None:
    """The records per page a config asks for, if its type pages by size and says."""
    size = getattr(config, "page_size", None)
    return size if isinstance(size, int) else None


def keyset_on(config: PaginatorConfig, field: str) -> KeysetPagination:
    """Keyset paging on `field`, keeping the page size and page cap of `config`."""
    return KeysetPagination(
        keyset_field=field, page_size=page_size_of(config), max_pages=config.max_pages
    )
