"""PostgreSQL URLs against the real server: libpq parameters kept, our options taken out,
passwords never shown."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from click.testing import CliRunner
from tests.integration.helpers import run_cli

from clientsuccess_connector.cli import cli
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.sinks import open_sink

pytestmark = pytest.mark.postgres

SECRET = "s3cret-never-shown"
NOWHERE = {"CLIENTSUCCESS_BASE_URL": "http://127.0.0.1:9/api/v1", "CLIENTSUCCESS_API_KEY": "k" * 16}


def with_password(url: str, password: str) -> str:
    """`url` with `password` in its user part (trust auth accepts any password)."""
    parts = urlsplit(url)
    netloc = f"{parts.username or 'postgres'}:{password}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc))


def server_without_tls(url: str) -> None:
    """Skip unless the server refuses TLS (what the sslmode tests rely on)."""
    with psycopg.connect(url.partition("?")[0]) as con:
        row = con.execute("SHOW ssl").fetchone()
    if row is None or row[0] != "off":
        pytest.skip("the test server offers TLS")


def test_sslmode_require_with_schema_fails_instead_of_plaintext(postgres_url: str) -> None:
    """`?schema=S&sslmode=require` against a server without TLS is an error, never plaintext."""
    server_without_tls(postgres_url)
    result = CliRunner().invoke(cli, ["schema", "-d", f"{postgres_url}&sslmode=require"])
    assert result.exit_code == 2, result.output
    assert "SSL" in result.output
    assert "sslmode=require" in result.output


def test_sslmode_require_on_an_input_fails_too(postgres_url: str) -> None:
    """`write --input postgresql://...?sslmode=require&query=...` does not fall back either."""
    server_without_tls(postgres_url)
    base = postgres_url.partition("?")[0]
    url = f'{base}?sslmode=require&query=SELECT 1 AS "clientId"'
    result = CliRunner().invoke(
        cli, ["write", "create_contact", "--dry-run", "--input", url], env=NOWHERE
    )
    assert result.exit_code == 2, result.output
    assert "SSL" in result.output


def test_destination_libpq_parameters_reach_the_server(postgres_url: str) -> None:
    """`application_name` next to `schema` is the name the server sees for the connection."""
    name = f"cs-dest-{uuid.uuid4().hex[:8]}"
    with open_sink(f"{postgres_url}&application_name={name}") as sink:
        sink.write_batch("clients", [{"id": 1}], ["id"])
        with psycopg.connect(postgres_url.partition("?")[0]) as con:
            seen = con.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name]
            ).fetchone()
        assert seen == (1,)
        assert sink.row_count("clients") == 1


def test_input_libpq_parameters_reach_the_server(postgres_url: str) -> None:
    """An input's `application_name` and `options` apply to the session that runs the query."""
    base = postgres_url.partition("?")[0]
    sql = (
        "SELECT 1 AS \"clientId\", current_setting('application_name') || '/' || "
        "current_setting('statement_timeout') || '@x.io' AS email"
    )
    url = f"{base}?application_name=cs-input&options=-c%20statement_timeout%3D4321&query={sql}"
    result = CliRunner().invoke(
        cli, ["write", "create_contact", "--dry-run", "--input", url], env=NOWHERE
    )
    assert result.exit_code == 0, result.output
    assert "cs-input/4321ms@x.io" in result.stdout


@pytest.mark.parametrize("password", ["pa%zzword-secret", "50%-off-secret", "q%z"])
def test_a_bad_percent_escape_in_the_password_is_never_echoed(
    postgres_url: str, password: str
) -> None:
    """psycopg would echo the password in its parse error; ours names the fix without it."""
    url = with_password(postgres_url, password)
    base = url.partition("?")[0]
    runs = [
        ["sync", "--destination", url],
        ["schema", "--destination", url],
        ["write", "create_contact", "--dry-run", "--input", f"{base}?query=SELECT 1"],
    ]
    for args in runs:
        result = CliRunner().invoke(cli, args, env=NOWHERE)
        assert result.exit_code == 2, result.output
        assert "%25" in result.output
        assert password not in result.output
        assert len(password) < 8 or password.split("%")[1][:6] not in result.output


def test_password_is_masked_in_the_summary_and_schema_output(
    simulator: SimulatorHandle, postgres_url: str
) -> None:
    """A sync with a password in the URL shows it as *** in the summary and in `schema`."""
    url = with_password(postgres_url, SECRET)
    result = run_cli(simulator, "sync", "--stream", "products", "--destination", url)
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert "destination: postgresql://postgres:***@" in result.stderr
    for extra in ([], ["--json"]):
        shown = run_cli(simulator, "schema", "products", "--destination", url, *extra)
        assert shown.exit_code == 0, shown.output
        assert SECRET not in shown.output
        assert "postgres:***@" in shown.output
