"""Masking runs in linear time: megabyte values from input files and from server answers are
masked in moments (the userinfo pattern used to rescan a long run of letters from every
position: 20 s for 128 KB, about twenty minutes for 1 MB). The new scanner masks exactly what
the old pattern masked, checked against it on random text."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st

from clientsuccess_connector.connection.redaction import Redactor, mask_url
from tests.security.hostile import KEY, HostileServer, Received, response

MB = 1024 * 1024
# The pattern mask_url used before (quadratic on long runs): the oracle for what to mask.
_OLD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@]*):(?P<pw>[^\s?]*)@")
# 1 MB values without spaces, and what masking makes of them.
LONG_VALUES = {
    "letters": ("a" * MB, "a" * MB),
    "hex": ("0123456789abcdef" * (MB // 16), "0123456789abcdef" * (MB // 16)),
    "schemes": ("a://b:" * (MB // 6), "a://b:" * (MB // 6)),
    "passwords": ("x://u:p" * (MB // 7), "x://u:p" * (MB // 7)),
    "at signs": ("s://u:p@" * (MB // 8), "s://u:***@"),  # the password runs to the last @
}


def _old_mask(text: str) -> str:
    return _OLD.sub(lambda m: f"{m['head']}:***@", text)


@given(st.text(alphabet="ab1+.-:/@?# \nx", max_size=60))
@settings(max_examples=400, deadline=None)
def test_the_scanner_masks_what_the_old_pattern_masked(text: str) -> None:
    """Same output as the old regular expression, on text made of the characters it cares for."""
    assert mask_url(text) == mask_url(text) and mask_url(text) == _expected(text)


def _expected(text: str) -> str:
    from clientsuccess_connector.connection.redaction import _SECRET_PARAM

    return _SECRET_PARAM.sub(lambda m: m["head"] + "***", _old_mask(text))


@pytest.mark.parametrize(
    "text",
    [
        "see https://user:pw@host/x and ftp://a:b@c",
        "postgresql://me:p@ss@db:5432/x?sslmode=require",
        "1abc://u:p@h",
        "://u:p@h",
        "https://u:p@h?x=y https://v:q@h",
    ],
)
def test_known_urls_are_masked_as_before(text: str) -> None:
    assert mask_url(text) == _expected(text)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(LONG_VALUES))
def test_a_megabyte_value_is_masked_at_once(name: str) -> None:
    """Every masker on a 1 MB value without spaces: the pytest timeout is the generous bound."""
    text, expected = LONG_VALUES[name]
    assert Redactor([KEY]).mask(text) == expected


@pytest.mark.timeout(120)
def test_write_dry_run_prints_a_megabyte_value_from_an_input_file(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    """`write --dry-run` masks every request it prints, a 1 MB note among them."""
    rows = tmp_path / "pulses.jsonl"
    rows.write_text(json.dumps({"clientId": 1, "note": "0a" * (MB // 2)}) + "\n", "utf-8")
    result = run_cli(["write", "create_pulse", "-i", str(rows), "--dry-run"],
                     env={"CLIENTSUCCESS_API_KEY": KEY})  # fmt: skip
    assert result.exit_code == 0, result.output[-500:]
    assert "0a0a0a" in result.output


@pytest.mark.timeout(120)
def test_a_megabyte_error_body_from_a_server_is_masked_at_once(
    run_cli: Callable[..., Result],
) -> None:
    """An error answer is masked whole before its excerpt is cut: 1 MB of it, in moments."""

    def script(received: Received, server: HostileServer) -> bytes:
        return response(400, ("Z9" * (MB // 2)).encode(), {"Content-Type": "text/plain"})

    with HostileServer(script) as server:
        env = {"CLIENTSUCCESS_BASE_URL": server.origin + "/api/v1", "CLIENTSUCCESS_API_KEY": KEY}
        result = run_cli(["test", "search_clients"], env=env)
    assert result.exit_code == 1 and "HTTP 400" in result.output
