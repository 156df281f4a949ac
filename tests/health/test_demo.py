"""`demo` syncs twice with time passing between, keeps history, and ends at the report."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.sinks import open_sink


def test_demo_keeps_history_and_points_at_health(tmp_path: Path) -> None:
    """History tables hold more versions than records; the at-risk clients are listed; the
    last lines point at `report health` and the studio's Health screen."""
    url = f"duckdb:///{tmp_path / 'demo.duckdb'}"
    result = CliRunner().invoke(cli, ["demo", "--clients", "30", "--destination", url])
    assert result.exit_code == 0, result.output
    with open_sink(url, read_only=True) as sink:
        for stream in ("clients", "contracts", "contacts"):
            assert sink.row_count(f"{stream}__history") >= sink.row_count(stream)
        assert sink.row_count("clients__history") > sink.row_count("clients")
        assert "pulses__history" not in sink.streams()
    assert "clients at risk" in result.output and "Every successScore" in result.output
    tail = result.output.rsplit("Next:", 1)[1]
    assert f"report health --at-risk --destination {url}" in tail and "Health" in tail
