"""Mapping, type conversion, batching and the ledger, without a server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clientsuccess_connector.catalog import Param, get_template
from clientsuccess_connector.cli.options import parse_pairs
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.write.batching import Batcher, resolve_batch_size
from clientsuccess_connector.write.convert import ConversionError, convert
from clientsuccess_connector.write.ledger import Ledger, RowKeys, RowResult
from clientsuccess_connector.write.mapping import RowError, RowMapper


def p(ptype: str, **kw: object) -> Param:
    return Param("f", ptype, "body", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ptype", "raw", "expected"),
    [
        ("integer", "42", 42),
        ("integer", "42.0", 42),
        ("integer", 7.0, 7),
        ("number", "3.5", 3.5),
        ("number", "12", 12),
        ("boolean", "yes", True),
        ("boolean", "No", False),
        ("boolean", "1", True),
        ("boolean", 0, False),
        ("boolean", "TRUE", True),
        ("timestamp", "2024-05-01T09:30:00Z", "2024-05-01T09:30:00.000Z"),
        ("timestamp", "2024-05-01 11:30:00+02:00", "2024-05-01T09:30:00.000Z"),
        ("timestamp", "2024-05-01", "2024-05-01T00:00:00.000Z"),
        ("timestamp", "1714555800", "2024-05-01T09:30:00.000Z"),
        ("timestamp", 1714555800123, "2024-05-01T09:30:00.123Z"),
        ("timestamp", dt.datetime(2024, 5, 1, 9, 30), "2024-05-01T09:30:00.000Z"),
        ("date", "2024/05/01", "2024-05-01"),
        ("date", "2024-05-01T23:00:00Z", "2024-05-01"),
        ("date", dt.date(2024, 5, 1), "2024-05-01"),
        ("object", '{"a": 1}', {"a": 1}),
        ("array", '["a", "b"]', ["a", "b"]),
        ("array", "a@x.io, b@x.io", ["a@x.io", "b@x.io"]),
        ("string", 5, "5"),
        ("integer", "", None),
        ("string", None, None),
    ],
)
def test_convert(ptype: str, raw: object, expected: object) -> None:
    assert convert(p(ptype), raw) == expected


@pytest.mark.parametrize(
    ("param", "raw", "message"),
    [
        (p("integer"), "4x", "not an integer"),
        (p("integer"), "4.5", "not an integer"),
        (p("boolean"), "maybe", "not a boolean"),
        (p("timestamp"), "yesterday", "not a timestamp"),
        (p("date"), "31/12/2024", "not a date"),
        (p("object"), "[1]", "not a JSON object"),
        (p("object"), "{bad", "not valid JSON"),
        (p("number"), "nan", "not a finite number"),
        (p("string", enum=("A", "B")), "C", "not one of A, B"),
        (p("string", max_length=3), "abcd", "at most 3"),
        (p("integer", minimum=-100, maximum=100), "101", "above the maximum 100"),
    ],
)
def test_convert_errors(param: Param, raw: object, message: str) -> None:
    with pytest.raises(ConversionError, match=message):
        convert(param, raw)


def test_auto_mapping_explicit_map_and_constants() -> None:
    mapper = RowMapper(
        get_template("create_contact"),
        mapping={"email": "mail"},
        constants={"status": "Active"},
    )
    prepared = mapper.prepare(
        {"clientId": "3", "mail": "a@x.io", "zzz": "ignored", "champion": "y"}
    )
    assert prepared.body == {"clientId": 3, "email": "a@x.io", "status": "Active", "champion": True}


def test_unknown_map_field_lists_fields() -> None:
    with pytest.raises(
        ConfigError, match="not a field of create_contact; its fields are: clientId"
    ):
        RowMapper(get_template("create_contact"), mapping={"emial": "x"})


def test_mapped_column_missing_from_input() -> None:
    mapper = RowMapper(get_template("create_contact"), mapping={"email": "mail"})
    with pytest.raises(ConfigError, match="column 'mail', which is not in the input"):
        mapper.prepare({"clientId": "1", "email": "x"})


def test_row_errors_name_field_and_reason() -> None:
    mapper = RowMapper(get_template("create_contact"))
    with pytest.raises(RowError, match=r"clientId .*not an integer; email is required but empty"):
        mapper.prepare({"clientId": "abc", "email": None})


def test_bulk_query_param_must_be_constant() -> None:
    template = get_template("workato_bulk_upsert_client_notes")
    with pytest.raises(ConfigError, match=r"`params` \(loggingLevel=VALUE\) instead of `map`"):
        RowMapper(template, mapping={"loggingLevel": "lvl"})
    mapper = RowMapper(template, constants={"loggingLevel": "DEBUG"})
    prepared = mapper.prepare({"clientId": "1", "note": "n", "loggingLevel": "ignored"})
    assert prepared.query == {"loggingLevel": "DEBUG"}
    with pytest.raises(ConfigError, match="not one of NONE, ERROR, INFO, DEBUG"):
        RowMapper(template, constants={"loggingLevel": "LOUD"})


def test_put_sends_every_body_field_patch_only_given() -> None:
    put = get_template("update_contact")
    mapper = RowMapper(put)
    units = Batcher(put, mapper, 100).add(
        1, mapper.prepare({"contactId": "u/1", "clientId": "1", "email": "a@x.io"})
    )
    assert units[0].path == "/contact/u%2F1"
    assert units[0].body["email"] == "a@x.io"
    assert units[0].body["title"] is None
    assert set(units[0].body) == set(mapper.body_fields)
    patch = get_template("patch_contact")
    mapper = RowMapper(patch)
    units = Batcher(patch, mapper, 100).add(1, mapper.prepare({"contactId": "u1", "title": "CEO"}))
    assert units[0].body == {"title": "CEO"}


def test_bulk_batches_and_body_shapes() -> None:
    for name, shape in (("bulk_create_contacts", dict), ("upsert_batch_contacts", list)):
        template = get_template(name)
        mapper = RowMapper(template)
        batcher = Batcher(template, mapper, 2)
        units = []
        for row in range(1, 6):
            units += batcher.add(row, mapper.prepare({"clientId": "1", "email": f"{row}@x"}))
        units += batcher.flush()
        assert [u.rows for u in units] == [[1, 2], [3, 4], [5]]
        assert isinstance(units[0].body, shape)
        if shape is dict:
            assert units[0].body == {
                "add": [{"clientId": 1, "email": "1@x"}, {"clientId": 1, "email": "2@x"}]
            }


def test_contract_items_group_consecutive_rows_by_contract() -> None:
    template = get_template("add_contract_items")
    mapper = RowMapper(template, mapping={"contractId": "contract"})
    batcher = Batcher(template, mapper, 100)
    units = []
    for row, contract in enumerate(["7", "7", "8", "7"], start=1):
        record = {"contract": contract, "productCode": f"P{row}", "quantity": "2"}
        units += batcher.add(row, mapper.prepare(record))
    units += batcher.flush()
    assert [(u.path, u.rows) for u in units] == [
        ("/contract/7/items", [1, 2]),
        ("/contract/8/items", [3]),
        ("/contract/7/items", [4]),
    ]
    assert units[0].body == {
        "items": [{"productCode": "P1", "quantity": 2}, {"productCode": "P2", "quantity": 2}]
    }
    update = get_template("update_contract_items")
    with pytest.raises(RowError, match="id is required"):
        RowMapper(update).prepare({"contractId": "7", "quantity": "1"})


def test_batch_size_limits() -> None:
    assert resolve_batch_size(None) == 100
    with pytest.raises(ConfigError, match="maximum of 100"):
        resolve_batch_size(101)


def test_parse_pairs() -> None:
    """The CLI's one NAME=VALUE parser keeps `=` in values and names the option in errors."""
    assert parse_pairs(["a=b=c", "x="], "--set") == {"a": "b=c", "x": ""}
    with pytest.raises(ConfigError, match="--map 'oops' is not NAME=VALUE; write it as --map"):
        parse_pairs(["oops"], "--map")


def test_ledger_states_and_torn_last_line(tmp_path: Path) -> None:
    """A row's last line is its state (looked up by key); a line torn by a kill is dropped."""
    path = tmp_path / "results.jsonl"
    owner = {"template": "create_contact", "instance": "http://x"}
    ledger = Ledger(path, owner)
    ledger.write([RowResult(1, "ok", 201, 11, key="k1"),
                  RowResult(2, "error", 400, error="bad", key="k2")])  # fmt: skip
    ledger.write([RowResult(3, "pending", key="k3"), RowResult(4, "pending", key="k4")])
    ledger.write([RowResult(4, "error", None, error="dropped", outcome_unknown=True, key="k4")])
    ledger.close()
    with path.open("ab") as handle:
        handle.write(b'{"row": 5, "sta')  # killed mid-write
    again = Ledger(path, owner)
    assert (again.prior("k1").state, again.prior("k1").id) == ("done", 11)
    assert (again.prior("k2").state, again.prior("k2").id) == ("error", None)
    assert (again.prior("k3").state, again.prior("k3").id) == ("unknown", None)
    assert (again.prior("k4").state, again.prior("k4").id) == ("unknown", None)
    assert (again.prior("k5").state, again.prior("k5").id) == ("new", None)
    again.close()
    assert path.read_bytes().endswith(b"\n")


def test_row_keys_tell_identical_rows_apart() -> None:
    """Equal requests get keys that differ only by their count; key order does not matter."""
    keys = RowKeys()
    first, second = keys.key({"a": 1, "b": 2}), keys.key({"b": 2, "a": 1})
    assert second == f"{first}.1"
    assert RowKeys().key({"a": 1, "b": 2}) == first


def test_a_ledger_of_an_earlier_version_is_refused(tmp_path: Path) -> None:
    """A ledger without a header knew rows only by number: it is refused with the fix."""
    path = tmp_path / "results.jsonl"
    path.write_text('{"row": 1, "status": "ok", "http_status": 201, "id": 5, "error": null}\n')
    with pytest.raises(ConfigError, match=r"earlier version.*give a new `results` file"):
        Ledger(path, {"template": "create_contact", "input": None})


def test_ledger_rejects_foreign_file(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text("hello\n")
    with pytest.raises(ConfigError, match="line 1 is not a results ledger line"):
        Ledger(path)


def test_integers_beyond_64_bits_are_row_errors() -> None:
    """A value no JSON body can carry as an integer is that row's error, not a crash."""
    mapper = RowMapper(get_template("create_contact"))
    with pytest.raises(RowError, match="does not fit in a 64-bit integer"):
        mapper.prepare({"clientId": 1.8446744073709552e19, "email": "a@x.io"})
    with pytest.raises(RowError, match="does not fit in a 64-bit integer"):
        mapper.prepare({"clientId": "123456789012345678901234", "email": "a@x.io"})
