"""Records out of responses: Path to Data (JSONPath / XPath), Path to Metadata, suggestions.

Pure functions, no HTTP. Typical use: compile once when a source is resolved, then per page:

    extractor = Extractor.compile("notes", "$.data[*]", "$.totalElements")
    kind, document = parse_document(body, response.headers.get("content-type"))
    data = extractor.data or detect_data_path(kind, document)
    records = extractor.records(data, kind, document)   # each with record[METADATA_KEY]
"""

from __future__ import annotations

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
