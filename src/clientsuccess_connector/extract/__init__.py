"""Records out of responses: Path to Data (JSONPath / XPath), Path to Metadata, suggestions.

Pure functions, no HTTP. Typical use by the reader, once per run then once per page:

    data = compile_path("$.data[*]")                       # or compile_xpath for XML
    meta = compile_metadata_path("$.totalElements", xml=False)
    kind, document = parse_document(body, response.headers.get("content-type"))
    for record in data.records(document):
        record[METADATA_KEY] = meta.extract(document)
"""

from __future__ import annotations

from clientsuccess_connector.extract.document import (
    Format,
    detect_format,
    parse_document,
    parse_json,
)
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
    "Format",
    "MetadataPath",
    "PathSuggestion",
    "Suggestions",
    "compile_metadata_path",
    "compile_path",
    "compile_xpath",
    "detect_format",
    "element_value",
    "parse_document",
    "parse_json",
    "parse_xml",
    "records_from_matches",
    "suggest_paths",
]
