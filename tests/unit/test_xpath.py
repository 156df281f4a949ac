"""Path to Data and Path to Metadata for XML responses."""

from __future__ import annotations

import pytest

from clientsuccess_connector.errors import ConfigError, DataError
from clientsuccess_connector.extract import (
    compile_metadata_path,
    compile_xpath,
    parse_document,
    parse_xml,
)

RESPONSE = b"""<?xml version="1.0" encoding="UTF-8"?>
<response page="0">
  <totalElements>2</totalElements>
  <data>
    <item id="1">
      <name>Acme</name>
      <tag>gold</tag>
      <tag>emea</tag>
      <note/>
      <owner><email>a@example.com</email></owner>
    </item>
    <item id="2">
      <name>Globex</name>
      <tag>silver</tag>
      <note>  </note>
    </item>
  </data>
</response>
"""


def test_elements_become_records() -> None:
    """Children become keys, repeated children lists, attributes @name, empty leaves None."""
    records = compile_xpath("/response/data/item").records(parse_xml(RESPONSE))
    assert records == [
        {
            "@id": "1",
            "name": "Acme",
            "tag": ["gold", "emea"],
            "note": None,
            "owner": {"email": "a@example.com"},
        },
        {"@id": "2", "name": "Globex", "tag": "silver", "note": None},
    ]


def test_values_are_strings() -> None:
    """No type conversion: numbers in XML stay strings."""
    records = compile_xpath("/response/totalElements").records(parse_xml(RESPONSE))
    assert records == [{"value": "2"}]


def test_mixed_text_is_kept_under_text_key() -> None:
    """Text beside child elements goes to #text; text beside attributes too."""
    root = parse_xml(b'<r><p lang="en">Hello <b>big</b> world</p><q a="1">x</q></r>')
    assert compile_xpath("/r/p").records(root) == [
        {"@lang": "en", "b": "big", "#text": "Hello world"}
    ]
    assert compile_xpath("/r/q").records(root) == [{"@a": "1", "#text": "x"}]


def test_namespaces_are_dropped_from_keys() -> None:
    """Namespaced tags and attributes use their local names as keys."""
    root = parse_xml(b'<r xmlns="urn:x" xmlns:y="urn:y"><i y:k="v"><n>1</n></i></r>')
    assert compile_xpath("//*[local-name()='i']").records(root) == [{"@k": "v", "n": "1"}]


def test_no_match_gives_no_records() -> None:
    """A path that matches nothing yields []."""
    assert compile_xpath("/response/nothing").records(parse_xml(RESPONSE)) == []


def test_find_returns_text_attribute_and_numbers() -> None:
    """find gives leaf text, attribute values and XPath numbers as plain values."""
    root = parse_xml(RESPONSE)
    assert compile_xpath("/response/totalElements").find(root) == ["2"]
    assert compile_xpath("/response/@page").find(root) == ["0"]
    assert compile_xpath("count(//item)").find(root) == [2]
    assert compile_xpath("//item/name/text()").find(root) == ["Acme", "Globex"]


def test_metadata_from_xml() -> None:
    """Path to Metadata uses XPath for XML: one value, a list, or None."""
    root = parse_xml(RESPONSE)
    assert compile_metadata_path("/response/totalElements", xml=True).extract(root) == "2"
    assert compile_metadata_path("//item/@id", xml=True).extract(root) == ["1", "2"]
    assert compile_metadata_path("/response/none", xml=True).extract(root) is None


@pytest.mark.parametrize("path", ["/response/[", "//item[@id=", "///"])
def test_bad_xpath_is_a_config_error(path: str) -> None:
    """A bad XPath names the field and the path."""
    with pytest.raises(ConfigError, match=r"^data_path .* is not valid XPath"):
        compile_xpath(path)


@pytest.mark.parametrize("content", [b"<a><b></a>", b"", b"<a>", b"not xml"])
def test_malformed_xml_is_a_data_error(content: bytes) -> None:
    """Malformed XML is a DataError with a one-line reason."""
    with pytest.raises(DataError) as caught:
        parse_xml(content)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("the response is not well-formed XML")


def test_external_entities_are_not_resolved(tmp_path) -> None:
    """An XXE payload does not read local files."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    payload = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r><v>&x;</v></r>'
    ).encode()
    root = parse_xml(payload)
    assert "TOP-SECRET" not in str(compile_xpath("/r/v").records(root))


def test_parse_document_detects_the_format() -> None:
    """Content-Type decides; without it, the first character does."""
    assert parse_document(b'{"a": 1}', "application/json; charset=utf-8") == ("json", {"a": 1})
    kind, root = parse_document(b"  <r/>")
    assert kind == "xml"
    assert root.tag == "r"
    with pytest.raises(DataError, match="neither JSON nor XML"):
        parse_document(b"hello", "text/plain")
    with pytest.raises(DataError, match="not valid JSON"):
        parse_document(b"<html>maintenance</html>", "application/json")
