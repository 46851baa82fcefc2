from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from generator.data.prices import history_from_bars
from generator.data.universe import UniverseData, members_as_of
from generator.issue.charts import plan_charts
from generator.issue.universe import universe_view
from generator.paths import Layout
from generator.signals import compute_signals
from generator.stories.model import Letter, Story, StoryChart


def _snapshots() -> pd.DataFrame:
    rows = [
        ("2025-01-03", "AAA", "Technology", 2e9, 3.0),
        ("2025-01-03", "BBB", "Energy", 4e9, 5.0),
        ("2025-01-10", "AAA", "Technology", 2.1e9, 3.5),
        ("2025-01-10", "BBB", "Energy", 4.2e9, 6.0),
        ("2025-01-10", "CCC", "Energy", 8e9, 9.0),
    ]
    frame = pd.DataFrame(rows, columns=["snapshot", "ticker", "sector", "market_cap_usd", "short_pct_float"])
    frame["snapshot"] = pd.to_datetime(frame["snapshot"])
    return frame


def test_an_issue_sees_only_the_snapshot_of_its_own_week(settings):
    data = UniverseData(_snapshots())
    assert members_as_of(data, date(2025, 1, 2)) == []
    assert members_as_of(data, date(2025, 1, 9)) == ["AAA", "BBB"]
    assert members_as_of(data, date(2025, 1, 10)) == ["AAA", "BBB", "CCC"]
    assert universe_view(data, date(2025, 1, 2), settings) is None
    view = universe_view(data, date(2025, 1, 9), settings)
    assert view is not None and view.members == 2 and view.snapshots == 1
    assert view.median_market_cap_usd == 3e9 and view.median_short_pct == 4.0
    later = universe_view(data, date(2025, 1, 10), settings)
    assert later is not None and later.members == 3
    assert [(s.sector, s.members) for s in later.sectors] == [("Energy", 2), ("Technology", 1)]
    assert later.short_record is not None and later.short_record.at_record_high
    assert later.usd(2.5e9) == "$2.5B" and later.usd(1e9) == "$1B" and later.usd(3e8) == "$300M"


def test_the_breadth_chart_uses_the_members_of_the_issue_week_only(settings, demo_prices):
    as_of = date(2025, 1, 9)
    days = pd.bdate_range("2023-01-02", "2025-01-10")
    rng = np.random.default_rng(3)
    bars = {
        t: pd.DataFrame({"close": 50 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))}, index=days)
        for t in ("AAA", "BBB", "CCC")
    }
    bars = {t: f.assign(adj_close=f["close"]) for t, f in bars.items()}
    stocks = history_from_bars(bars, source_label="test")
    data = UniverseData(_snapshots(), stocks)
    history = demo_prices.as_of(as_of)
    report = compute_signals(history, settings, as_of)
    story = Story(
        "breadth:x", "breadth_thrust", "breadth", [], "t", "h", ["s."], 25.0, 47.0, True,
        chart=StoryChart("breadth", []),
    )  # fmt: skip
    letter = Letter("t", story, [], None, None, 1)
    refs, jobs = plan_charts(settings, Layout.of(settings), history, report, [], data, letter)
    (breadth,) = [j for j in jobs if j.path.name == "breadth.png"]
    assert "universe" in refs["story:breadth:x"].caption
    # CCC joined the screen on 2025-01-10, after this issue: it must not count.
    shares = set(np.unique(breadth.draw.keywords["pct_above"].dropna().to_numpy()))
    assert shares <= {0.0, 50.0, 100.0}
