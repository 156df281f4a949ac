"""Path to Metadata: values outside the data path that every record of a page carries.

The reader stores the extracted value under `_metadata` in each record of the page.
"""

from __future__ import annotations

from typing import Any

from clientsuccess_connector.extract.jsonpath import CompiledPath, compile_path
from clientsuccess_connector.extract.xpath import CompiledXPath, compile_xpath

__all__ = ["METADATA_KEY", "MetadataPath", "compile_metadata_path"]

METADATA_KEY = "_metadata"


class MetadataPath:
    """A compiled metadata path (JSONPath for JSON documents, XPath for XML roots)."""

    __slots__ = ("_compiled", "path", "xml")

    def __init__(self, path: str, compiled: CompiledPath | CompiledXPath, *, xml: bool) -> None:
        self.path = path
        self.xml = xml
        self._compiled = compiled

    def __repr__(self) -> str:
        return f"MetadataPath({self.path!r}, xml={self.xml})"

    def extract(self, document: Any) -> Any:
        """One match gives the value, several give a list, none gives None.

        `document` is the parsed JSON value, or the root element from `parse_xml`."""
        matches = self._compiled.find(document)
        if not matches:
            return None
        if len(matches) == 1:
            return matches[0]
        return matches


def compile_metadata_path(path: str, *, xml: bool) -> MetadataPath:
    """Compile a metadata path; ConfigError naming `metadata_path` when it is not valid."""
    field = "metadata_path"
    compiled: CompiledPath | CompiledXPath = (
        compile_xpath(path, field=field) if xml else compile_path(path, field=field)
    )
    return MetadataPath(compiled.path, compiled, xml=xml)
