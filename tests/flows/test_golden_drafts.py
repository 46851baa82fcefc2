"""Golden Markdown for fixed weeks: the demo set's small-cap breakout, and three real weeks.

The real weeks (../shared/data/prices/adjusted-closes) are the ones ../shared/data/README.md
and issue 14 name: 2023-12-15 (SPY's first weekly close above its 2021 high, after a 2-year
base), 2024-07-12 (small caps' best week against large caps since 2020, a week after the
ratio's lowest close since 2000) and 2024-11-08 (IWM's first weekly close above its 2021 high,
the end of a 3-year base, and the size ratio back over its 200-day average).

Refresh after an intended change with ``python -m pytest tests/flows/test_golden_drafts.py
--update-golden`` and read the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import difflib
from datetime import date

import pytest

from generator import pipeline
from generator.config import Settings, SourceSpec, load_settings
from generator.data.prices import history_from_bars
from generator.data.sources.csvfolder import CsvFolderSource
from generator.issue.weeks import issue_fridays
from tests.helpers import DEMO, NOW, REPO, draft, make_workspace, shared_folder

GOLDEN = REPO / "tests" / "golden"


def _check(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), text.splitlines(True), f"golden/{name}", "drafted", n=2
            )
        )
        raise AssertionError(
            f"draft differs from golden/{name} (refresh with --update-golden):\n{diff[:6000]}"
        )


def _draft_text(settings: Settings, prices, as_of: date, spec: str, universe=None) -> str:
    jobs: list = []  # plan the charts, do not draw them: the golden is the Markdown
    source = SourceSpec.parse(spec)
    result = draft(settings, prices, as_of, source=source, chart_jobs=jobs, universe=universe)
    assert jobs, "the issue links charts"
    return result.outcome.path.read_text(encoding="utf-8")


def test_demo_draft_of_the_small_cap_breakout_week_matches_its_golden(tmp_path, update_golden):
    settings = load_settings(make_workspace(tmp_path / "ws") / "newsletter.toml")
    as_of = date(2025, 10, 24)
    pipeline.fetch_prices(settings, DEMO, now=NOW)
    members = pipeline.seed_demo_universe(settings, issue_fridays(date(2025, 7, 4), as_of))
    pipeline.fetch_prices(settings, DEMO, now=NOW, tickers=[*settings.tickers, *members])
    ws = pipeline.draft_inputs(settings, DEMO)
    text = _draft_text(settings, ws.prices, as_of, "demo", ws.universe)
    assert "IWM/IWB" in text and "Synthetic data" in text
    _check("demo-2025-10-24.md", text, update_golden)


@pytest.fixture(scope="module")
def real_prices():
    folder = shared_folder("adjusted-closes")
    settings = load_settings(REPO / "newsletter.toml")
    source = CsvFolderSource(folder)
    result = source.fetch(settings.tickers, date(1990, 1, 1))
    return history_from_bars(
        result.bars, one_close=result.one_close, notes=result.notes, source_label=source.label
    )


@pytest.mark.parametrize(
    "day, lead",
    [
        (date(2023, 12, 15), "SPY completes a 2.1-year base"),
        (date(2024, 7, 12), "Small caps have their best week against large caps since April 2020"),
        (date(2024, 11, 8), "Russell 2000 small caps (IWM) complete a massive 3-year base"),
    ],
)
def test_real_data_drafts_match_their_goldens(tmp_path, update_golden, real_prices, day: date, lead: str):
    settings = load_settings(make_workspace(tmp_path / "ws") / "newsletter.toml")
    # The spec as a user writes it (relative): the golden must not hold this machine's paths.
    text = _draft_text(settings, real_prices, day, "csv:../shared/data/prices/adjusted-closes")
    assert f"# {lead}\n" in text and "Synthetic" not in text
    _check(f"real-{day.isoformat()}.md", text, update_golden)
