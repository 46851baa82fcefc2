"""`rotation signals`: the table, the JSON and its documented keys."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from generator.cli import cli
from tests.helpers import REPO, shared_folder

TOP_KEYS = {
    "as_of",
    "last_session",
    "source_label",
    "synthetic",
    "benchmark",
    "instruments",
    "pairs",
    "headlines",
    "notes",
    "rrg",
    "breadth",
}


@pytest.fixture
def demo_workspace(runner, workspace: Path) -> list[str]:
    config = ["--config", str(workspace / "newsletter.toml")]
    result = runner.invoke(cli, [*config, "fetch", "--source", "demo"])
    assert result.exit_code == 0, result.output
    return config


def test_json_has_the_stable_keys_and_is_repeatable(runner, demo_workspace):
    args = [*demo_workspace, "signals", "--source", "demo", "--as-of", "2026-01-09", "--json"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert runner.invoke(cli, args).output == first.output
    data = json.loads(first.output)
    assert set(data) == TOP_KEYS and data["as_of"] == "2026-01-09" and data["synthetic"] is True
    psct = data["instruments"]["PSCT"]
    assert psct["base"]["state"] == "breakout" and psct["base"]["wording"] == "massive base"
    assert data["headlines"][0]["kind"] == "base_breakout" and data["headlines"][0]["tickers"] == ["PSCT"]
    assert {p["ticker"] for p in data["rrg"]} == {t for t, i in data["instruments"].items() if i["rrg"]}
    assert [b["label"] for b in data["breadth"]][-1] == "All ETFs"


def test_every_json_key_is_documented_in_the_readme(runner, demo_workspace):
    result = runner.invoke(
        cli, [*demo_workspace, "signals", "--source", "demo", "--as-of", "2025-10-17", "--json"]
    )
    data = json.loads(result.output)
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Signals JSON") :]
    section = section[: section.index("\n## ", 3)] if "\n## " in section[3:] else section
    documented = set(re.findall(r"`([a-z_0-9]+)`", section))

    def keys(value, path=""):
        if isinstance(value, dict) and path not in (
            "instruments",
            "detail",
            "numbers",
            "corr_by_days",
            "pct_above_sma",
        ):
            for key, inner in value.items():
                yield key
                yield from keys(inner, key)
        elif isinstance(value, dict):
            for inner in value.values():
                yield from keys(inner, "")
        elif isinstance(value, list):
            for inner in value:
                yield from keys(inner, path)

    missing = sorted(set(keys(data)) - documented)
    assert missing == []


def test_the_table_shows_headlines_pairs_instruments_and_breadth(runner, demo_workspace):
    result = runner.invoke(cli, [*demo_workspace, "signals", "--source", "demo", "--as-of", "2026-01-09"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Signals as of 2026-01-09 (data through 2026-01-09; Synthetic demo data")
    for title in ("Headlines", "Pairs (adjusted closes)", "Instruments (levels on quoted closes)", "Breadth"):
        assert any(line.startswith(title) for line in lines), title
    assert "PSCT (Small-cap technology) completed a massive" in result.output.replace("\n", " ").replace(
        "  ", " "
    )
    assert "breakout (5.0y, +4.4%)" in result.output
    assert max(len(line) for line in lines) <= 150


def test_an_as_of_before_the_data_is_one_error_line(runner, demo_workspace):
    result = runner.invoke(cli, [*demo_workspace, "signals", "--source", "demo", "--as-of", "1999-01-01"])
    assert result.exit_code == 1
    assert result.output == "Error: no prices on or before 1999-01-01; the data starts 2014-01-02\n"


def test_signals_from_the_csv_folder_for_sample_fridays(runner, workspace: Path):
    folder = shared_folder("adjusted-closes")
    config = ["--config", str(workspace / "newsletter.toml")]
    spec = f"csv:{folder}"
    fetched = runner.invoke(cli, [*config, "fetch", "--source", spec, "--start", "1990-01-01"])
    assert fetched.exit_code == 0, fetched.output
    for friday in pd.date_range("1993-02-05", "2026-07-10", freq="W-FRI")[::97]:
        result = runner.invoke(
            cli, [*config, "signals", "--source", spec, "--as-of", friday.date().isoformat(), "--json"]
        )
        assert result.exit_code == 0, (friday, result.output[-500:])
        assert json.loads(result.output)["as_of"] == friday.date().isoformat()
