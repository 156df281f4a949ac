"""Destination URLs: every accepted form opens, bad ones name the URL and the accepted forms."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from clientsuccess_connector.connection.locations import parse_destination
from clientsuccess_connector.connection.redaction import mask_url
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.sinks import open_sink


def test_duckdb_relative_and_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_destination("duckdb:///rel/x.duckdb").path == Path("rel/x.duckdb")
    assert parse_destination("duckdb:////abs/x.duckdb").path == Path("/abs/x.duckdb")
    with open_sink("duckdb:///nested/dirs/x.duckdb") as sink:  # parent dirs are created
        sink.write_batch("s", [{"id": 1}], ["id"])
    assert (tmp_path / "nested" / "dirs" / "x.duckdb").exists()


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_file_destinations_create_their_directory(tmp_path: Path, kind: str) -> None:
    with open_sink(f"{kind}:///{tmp_path / 'a' / 'b'}") as sink:
        sink.write_batch("clients", [{"id": 1}], ["id"])
    assert (tmp_path / "a" / "b" / f"clients.{kind}").exists()


def test_postgres_forms_and_schema_option() -> None:
    dest = parse_destination("postgres://u:secret@db.example:5433/crm?schema=cs")
    assert dest.kind == "postgresql"
    assert dest.options == {"schema": "cs"}
    assert "secret" not in dest.masked
    assert dest.masked == "postgres://u:***@db.example:5433/crm?schema=cs"


def test_mask_url_leaves_urls_without_one_alone() -> None:
    assert mask_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert mask_url("postgresql://u:p%40ss@h/db") == "postgresql://u:***@h/db"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:p@ss/w:rd@h/db?schema=cs", "postgresql://u:***@h/db?schema=cs"),
        (
            "postgresql://u@h/db?sslmode=require&password=pw1",
            "postgresql://u@h/db?sslmode=require&password=***",
        ),
        (
            "postgresql://u:pw@h/db?query=SELECT 'a@b.io'",
            "postgresql://u:***@h/db?query=SELECT 'a@b.io'",
        ),
        ("duckdb:///exports/2024@11.duckdb", "duckdb:///exports/2024@11.duckdb"),
    ],
)
def test_mask_url_hides_every_form_of_url_password(url: str, shown: str) -> None:
    """Unencoded `@` or `/` in a password, `password=` in the query: all masked, paths kept."""
    assert mask_url(url) == shown
    assert mask_url(f"error: {url} refused") == f"error: {shown} refused"


@pytest.mark.parametrize(
    "url",
    ["clientsuccess.duckdb", "mysql://h/db", "duckdb://x.duckdb", "postgresql://h", "csv://", ""],
)
def test_bad_urls_name_the_url_and_the_accepted_forms(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        open_sink(url)
    message = str(info.value)
    assert repr(url) in message
    for form in ("duckdb:///", "postgresql://", "jsonl:///dir", "csv:///dir", "parquet:///dir"):
        assert form in message


def test_bad_url_message_masks_the_password() -> None:
    with pytest.raises(ConfigError) as info:
        open_sink("postgresql://u:topsecret@h")
    assert "topsecret" not in str(info.value)


@pytest.mark.postgres
def test_sink_url_attribute_masks_the_password(postgres_url: str) -> None:
    parts = urlsplit(postgres_url)
    if parts.password is None:  # trust auth ignores a password, so add one to see it masked
        netloc = f"{parts.username}:not-shown@{parts.hostname}:{parts.port or 5432}"
        postgres_url = urlunsplit(parts._replace(netloc=netloc))
    secret = urlsplit(postgres_url).password
    with open_sink(postgres_url) as sink:
        assert secret not in sink.url
        assert ":***@" in sink.url
        assert secret not in repr(sink)


@pytest.mark.parametrize("name", ["_cs_state", "", "a/b"])
def test_reserved_or_unusable_stream_names_are_refused(tmp_path: Path, name: str) -> None:
    with open_sink(f"duckdb:///{tmp_path / 'x.duckdb'}") as sink, pytest.raises(ConfigError):
        sink.write_batch(name, [{"id": 1}], ["id"])
