"""CredentialStore: what lands in which file, with which mode, and what a user sees on errors."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientsuccess_connector.credentials import CredentialStore
from clientsuccess_connector.credentials.files import read_toml, render_toml, toml_string
from clientsuccess_connector.errors import ConfigError
from tests.credentials.helpers import FakeKeyring

KEY = "sk-store-KEY-41f0c2"
PASSWORD = "pw-store-PASS-7d1e9a"
URL = "https://eu.example.test/api/v1"


def files_text(config_dir: Path) -> str:
    return "".join(p.read_text("utf-8") for p in sorted(config_dir.iterdir()) if p.is_file())


def test_api_key_credential_round_trips_with_the_secret_in_an_owner_only_file(
    config_dir: Path,
) -> None:
    """Without a keyring the secret goes to secrets.toml (0600), never to credentials.toml."""
    store = CredentialStore()
    store.add("prod", base_url=URL, auth="api-key", api_key_header="Authorization", secret=KEY)
    settings = store.settings("prod")
    assert (settings.base_url, settings.api_key, settings.api_key_header) == (
        URL, KEY, "Authorization",
    )  # fmt: skip
    assert KEY not in (config_dir / "credentials.toml").read_text("utf-8")
    assert KEY in (config_dir / "secrets.toml").read_text("utf-8")
    assert stat.S_IMODE((config_dir / "secrets.toml").stat().st_mode) == 0o600
    [info] = store.list()
    assert (info.name, info.auth, info.secret_location) == ("prod", "api-key", "file")


def test_token_credential_gives_a_login(config_dir: Path) -> None:
    """A token credential is a username and a password, no API key."""
    store = CredentialStore()
    store.add("eu", base_url=URL, auth="token", username="me@example.com", secret=PASSWORD)
    settings = store.settings("eu")
    assert settings.uses_token
    assert (settings.username, settings.password, settings.api_key) == (
        "me@example.com", PASSWORD, None,
    )  # fmt: skip
    assert store.get("eu").username == "me@example.com"


def test_with_a_real_keyring_the_secret_is_in_no_file(
    config_dir: Path, fake_keyring: FakeKeyring
) -> None:
    """A real OS keyring holds the secret; removing the credential removes it from there."""
    store = CredentialStore()
    store.add("prod", base_url=URL, secret=KEY)
    assert store.get("prod").secret_location == "keyring"
    assert list(fake_keyring.passwords.values()) == [KEY]
    assert KEY not in files_text(config_dir)
    assert not (config_dir / "secrets.toml").exists()
    assert store.settings("prod").api_key == KEY
    store.remove("prod")
    assert fake_keyring.passwords == {}
    assert store.list() == []


def test_removing_a_credential_removes_its_secret_from_the_file(config_dir: Path) -> None:
    """The other credentials and their secrets stay."""
    store = CredentialStore()
    store.add("a", base_url=URL, secret=KEY)
    store.add("b", base_url=URL, secret="sk-other-secret-b")
    store.remove("a")
    assert KEY not in files_text(config_dir)
    assert [i.name for i in store.list()] == ["b"]
    assert store.settings("b").api_key == "sk-other-secret-b"


def test_replacing_a_credential_moves_its_secret(
    config_dir: Path, fake_keyring: FakeKeyring
) -> None:
    """Added again after a keyring appeared, the old copy in the file is deleted."""
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    store = CredentialStore()
    store.add("a", base_url=URL, secret=KEY)
    keyring.set_keyring(fake_keyring)
    store.add("a", base_url=URL, secret="sk-rotated-key-a")
    assert KEY not in files_text(config_dir)
    assert store.settings("a").api_key == "sk-rotated-key-a"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_secrets_file_others_can_read_is_refused_with_the_fix(
    config_dir: Path, mode: int
) -> None:
    """Reading or adding refuses, names the file and says `chmod 600`, and shows no secret."""
    store = CredentialStore()
    store.add("a", base_url=URL, secret=KEY)
    secrets = config_dir / "secrets.toml"
    secrets.chmod(mode)
    read = lambda: store.settings("a")  # noqa: E731
    add = lambda: store.add("b", base_url=URL, secret="sk-b-secret")  # noqa: E731
    for action in (read, add):
        with pytest.raises(ConfigError) as info:
            action()
        text = str(info.value)
        assert str(secrets) in text and f"chmod 600 {secrets}" in text and oct(mode)[2:] in text
        assert KEY not in text
    assert stat.S_IMODE(secrets.stat().st_mode) == mode  # left as it was: the user decides


def test_files_are_owner_only_even_with_a_permissive_umask(config_dir: Path) -> None:
    """Created with mode 0600 by os.open, not chmod-ed later: umask 0 cannot widen it."""
    old = os.umask(0)
    try:
        CredentialStore().add("a", base_url=URL, secret=KEY)
    finally:
        os.umask(old)
    for name in ("secrets.toml", "credentials.toml"):
        assert stat.S_IMODE((config_dir / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    assert [p.name for p in config_dir.iterdir() if p.name.startswith(".")] == []


def test_a_corrupt_credentials_file_names_the_line(config_dir: Path) -> None:
    """A TOML syntax error says which file and line to fix."""
    config_dir.mkdir()
    (config_dir / "credentials.toml").write_text(
        '[prod]\nbase_url = "https://x.test/api/v1"\nauth = api-key\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        CredentialStore().list()
    assert "credentials.toml" in str(info.value) and "line 3" in str(info.value)


def test_unknown_keys_and_bad_values_name_the_credential(config_dir: Path) -> None:
    """A hand-edited file: the error names the table and the known keys."""
    config_dir.mkdir()
    path = config_dir / "credentials.toml"
    path.write_text('[prod]\napi_key = "oops"\nsecret = "file"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[prod\]: unknown key\(s\) api_key; known:"):
        CredentialStore().list()
    path.write_text('[prod]\nauth = "basic"\nsecret = "file"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="prod: auth must be api-key or token"):
        CredentialStore().list()


@pytest.mark.parametrize("name", ["", "a b", "prod/eu", "x" * 65, "naïve", "a.b"])
def test_names_are_letters_digits_dash_underscore(config_dir: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="letters, digits"):
        CredentialStore().add(name, secret=KEY)


def test_unknown_credential_lists_the_known_ones(config_dir: Path) -> None:
    store = CredentialStore()
    store.add("prod", secret=KEY)
    with pytest.raises(ConfigError, match=r"no credential named 'sandbox' \(known: prod\)") as e:
        store.settings("sandbox")
    assert e.value.exit_code == 2


def test_environment_variables_show_as_the_environment_credential(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only when they hold a key or a login; `environment` cannot be added or removed."""
    store = CredentialStore()
    assert store.list() == []
    monkeypatch.setenv("CLIENTSUCCESS_BASE_URL", URL)
    monkeypatch.setenv("CLIENTSUCCESS_API_KEY", KEY)
    [info] = CredentialStore().list()
    assert (info.name, info.base_url, info.secret_location) == ("environment", URL, "environment")
    assert CredentialStore().settings("environment").api_key == KEY
    with pytest.raises(ConfigError, match="choose another name"):
        store.add("environment", secret=KEY)
    with pytest.raises(ConfigError, match="unset them"):
        store.remove("environment")


@pytest.mark.parametrize("bad", ["kéy-1234", "key\x01abcd", "  ", ""])
def test_an_api_key_a_header_cannot_carry_is_refused(config_dir: Path, bad: str) -> None:
    """Non-ASCII or control characters, or nothing but blanks; the error does not echo it."""
    with pytest.raises(ConfigError, match="credential a: the") as info:
        CredentialStore().add("a", secret=bad)
    assert bad.strip() == "" or bad not in str(info.value)


def test_an_api_key_loses_surrounding_blanks(config_dir: Path) -> None:
    store = CredentialStore()
    store.add("a", secret=f"  {KEY}\t")
    assert store.settings("a").api_key == KEY


def test_token_auth_needs_a_username_and_keys_a_known_header(config_dir: Path) -> None:
    store = CredentialStore()
    with pytest.raises(ConfigError, match="needs a username"):
        store.add("a", auth="token", secret=PASSWORD)
    with pytest.raises(ConfigError, match="X-API-Key or Authorization"):
        store.add("a", api_key_header="Bearer", secret=KEY)
    with pytest.raises(ConfigError, match="not an http"):
        store.add("a", base_url="ftp://x", secret=KEY)
    with pytest.raises(ConfigError, match="must not hold a user name or password") as info:
        store.add("a", base_url="https://me:hunter2-pw@api.test/api/v1", secret=KEY)
    assert "hunter2-pw" not in str(info.value)
    assert not (config_dir / "secrets.toml").exists()


def test_settings_from_credential_on_the_library_api(config_dir: Path) -> None:
    """`CredentialStore().settings(name)` with overrides."""
    CredentialStore().add("prod", base_url=URL, secret=KEY)
    settings = CredentialStore().settings("prod", max_concurrency=2)
    assert (settings.api_key, settings.base_url, settings.max_concurrency) == (KEY, URL, 2)
    assert KEY not in repr(settings)


@given(st.text())
def test_the_toml_writer_round_trips_any_string(value: str) -> None:
    """Quotes, backslashes, control characters and any Unicode come back unchanged."""
    assert read_toml_text(f"k = {toml_string(value)}\n")["k"] == value
    doc = render_toml("header\nline two", {"a": value}, {"t": {"b": value}})
    assert read_toml_text(doc) == {"a": value, "t": {"b": value}}


def read_toml_text(text: str) -> dict[str, object]:
    import tomllib

    return tomllib.loads(text)


def test_missing_file_reads_as_empty(tmp_path: Path) -> None:
    assert read_toml(tmp_path / "none.toml") == {}


_ADD_MANY = """
import sys
from clientsuccess_connector.credentials import CredentialStore
prefix = sys.argv[1]
store = CredentialStore()
for i in range(15):
    store.add(f"{prefix}{i}", secret="k" * 24)
"""


def test_two_processes_adding_credentials_at_once_lose_none(config_dir: Path) -> None:
    """`credentials add` in two terminals at once keeps both: the files change one at a time."""
    env = {
        **os.environ,
        "CLIENTSUCCESS_CONFIG_DIR": str(config_dir),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    runs = [
        subprocess.Popen([sys.executable, "-c", _ADD_MANY, prefix], env=env)
        for prefix in ("a", "b")
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    names = {info.name for info in CredentialStore().list()}
    assert names == {f"{p}{i}" for p in "ab" for i in range(15)}
    for name in names:
        assert CredentialStore().settings(name).api_key == "k" * 24
