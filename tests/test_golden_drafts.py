"""Golden Markdown for two fixed weeks: one on the demo set, one on real prices.

Refresh after an intended change with ``python -m pytest tests/test_golden_drafts.py
--update-golden`` and read the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path

from generator import pipeline
from generator.config import Settings, SourceSpec, load_settings
from generator.data.prices import history_from_bars
from generator.data.sources.csvfolder import CsvFolderSource
from generator.issue.weeks import issue_fridays
from tests.conftest import make_workspace, shared_folder
from tests.helpers import DEMO, NOW, draft

GOLDEN = Path(__file__).parent / "golden"


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


def test_real_data_draft_of_2023_12_15_matches_its_golden(tmp_path, update_golden):
    folder = shared_folder("adjusted-closes")
    settings = load_settings(make_workspace(tmp_path / "ws") / "newsletter.toml")
    source = CsvFolderSource(folder)
    result = source.fetch(settings.tickers, date(1990, 1, 1))
    prices = history_from_bars(
        result.bars, one_close=result.one_close, notes=result.notes, source_label=source.label
    )
    # The spec as a user writes it (relative): the golden must not hold this machine's paths.
    text = _draft_text(settings, prices, date(2023, 12, 15), "csv:../shared/data/prices/adjusted-closes")
    assert "SPY" in text and "Synthetic" not in text
    _check("real-2023-12-15.md", text, update_golden)
