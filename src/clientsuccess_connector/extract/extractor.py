"""A source's extractor: its data and metadata paths, compiled once, applied to every page.

A path starting with `$` is a JSONPath (for JSON answers), anything else an XPath (for XML).
Without a data path the extractor is told so explicitly (`data is None`): the path is then
detected from the first answer of each read (`detect_data_path`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.extract.document import Format
from clientsuccess_connector.extract.jsonpath import CompiledPath, compile_path
from clientsuccess_connector.extract.metadata import METADATA_KEY, MetadataPath
from clientsuccess_connector.extract.xpath import CompiledXPath, compile_xpath

DataPath = CompiledPath | CompiledXPath


def is_jsonpath(path: str) -> bool:
    """True for a JSONPath (`$...`), False for an XPath."""
    return path.lstrip().startswith("$")


def compile_any(path: str, *, field: str) -> DataPath:
    """Compile a JSONPath or an XPath, whichever `path` is; ConfigError naming `field`."""
    return (
        compile_path(path, field=field) if is_jsonpath(path) else compile_xpath(path, field=field)
    )


@dataclass(frozen=True, slots=True)
class Extractor:
    """The compiled paths of one source; `data` is None when it is detected per read."""

    source: str  # the source's name, for messages
    data: DataPath | None
    metadata: MetadataPath | None

    @classmethod
    def compile(cls, source: str, data_path: str | None, metadata_path: str | None) -> Extractor:
        """Compile both paths now, so a typo fails before the first request."""
        data = compile_any(data_path, field="data_path") if data_path else None
        metadata = None
        if metadata_path:
            compiled = compile_any(metadata_path, field="metadata_path")
            metadata = MetadataPath(
                compiled.path, compiled, xml=isinstance(compiled, CompiledXPath)
            )
        return cls(source, data, metadata)

    def records(self, data: DataPath, fmt: Format, document: Any) -> list[dict[str, Any]]:
        """The records of one answer through `data`, each with the metadata when configured."""
        self._check_kind(data.path, "data_path", fmt)
        records = data.records(document)
        if self.metadata is not None:
            self._check_kind(self.metadata.path, "metadata_path", fmt)
            meta = self.metadata.extract(document)
            for record in records:
                record[METADATA_KEY] = meta
        return records

    def _check_kind(self, path: str, field: str, fmt: Format) -> None:
        """A JSONPath for an XML answer, or an XPath for a JSON one, is a config error."""
        jsonpath = is_jsonpath(path)
        if jsonpath == (fmt == "json"):
            return
        kind, wanted = ("JSONPath", "an XPath such as /response/data/item") if jsonpath else (
            "XPath", "a JSONPath such as $.data[*]")  # fmt: skip
        raise ConfigError(
            f"source {self.source!r}: the response is {fmt.upper()} but {field} "
            f"{path!r} is {kind}; give {wanted}"
        )


def detect_data_path(fmt: Format, document: Any) -> DataPath:
    """The data path of an answer read without one: the envelope's, an array, or the whole."""
    if fmt == "xml":
        from lxml import etree  # noqa: PLC0415 (the [xml] extra: only parsed XML comes here)

        from clientsuccess_connector.extract.suggest import suggest_paths  # noqa: PLC0415

        best = suggest_paths(etree.tostring(document), "application/xml").best
        return compile_xpath(best.path if best is not None else "/*")
    if isinstance(document, list):
        return compile_path("$[*]")
    if envelope().is_page(document):
        return compile_path(envelope().data_path)
    return compile_path("$")
