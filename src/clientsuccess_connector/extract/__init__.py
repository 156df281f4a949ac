"""Records out of responses: Path to Data (JSONPath / XPath), Path to Metadata, suggestions.

Pure functions, no HTTP. Typical use: compile once when a source is resolved, then per page:

    extractor = Extractor.compile("notes", "$.data[*]", "$.totalElements")
    kind, document = parse_document(body, response.headers.get("content-type"))
    data = extractor.data or detect_data_path(kind, document)
    records = extractor.records(data, kind, document)   # each with record[METADATA_KEY]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientsuccess_connector._lazy import lazy_attributes

if TYPE_CHECKING:
    from clientsuccess_connector.extract.document import (
        Format,
        detect_format,
        parse_document,
        parse_json,
    )
    from clientsuccess_connector.extract.extractor import Extractor, detect_data_path
    from clientsuccess_connector.extract.jsonpath import (
        CompiledPath,
        compile_path,
        records_from_matches,
    )
    from clientsuccess_connector.extract.metadata import (
        METADATA_KEY,
        MetadataPath,
        compile_metadata_path,
    )
    from clientsuccess_connector.extract.suggest import PathSuggestion, Suggestions, suggest_paths
    from clientsuccess_connector.extract.xpath import (
        CompiledXPath,
        compile_xpath,
        element_value,
        parse_xml,
    )

_MODULES = {
    "Format": "document",
    "detect_format": "document",
    "parse_document": "document",
    "parse_json": "document",
    "Extractor": "extractor",
    "detect_data_path": "extractor",
    "CompiledPath": "jsonpath",
    "compile_path": "jsonpath",
    "records_from_matches": "jsonpath",
    "METADATA_KEY": "metadata",
    "MetadataPath": "metadata",
    "compile_metadata_path": "metadata",
    "PathSuggestion": "suggest",
    "Suggestions": "suggest",
    "suggest_paths": "suggest",
    "CompiledXPath": "xpath",
    "compile_xpath": "xpath",
    "element_value": "xpath",
    "parse_xml": "xpath",
}
# Each part loads when first used: a JSON read never needs lxml, a simple path never the
# general JSONPath engine.
__getattr__ = lazy_attributes(__name__, _MODULES)

__all__ = [
    "METADATA_KEY",
    "CompiledPath",
    "CompiledXPath",
    "Extractor",
    "Format",
    "MetadataPath",
    "PathSuggestion",
    "Suggestions",
    "compile_metadata_path",
    "compile_path",
    "compile_xpath",
    "detect_data_path",
    "detect_format",
    "element_value",
    "parse_document",
    "parse_json",
    "parse_xml",
    "records_from_matches",
    "suggest_paths",
]
