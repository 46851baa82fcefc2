"""The demo data's scripted stories (generator/data/sources/demo.py) come out as headlines in their weeks."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from generator.signals import compute_signals
from generator.signals.report import SignalReport

FRIDAYS = [d.date() for d in pd.date_range("2025-07-04", "2026-06-26", freq="W-FRI")]


@pytest.fixture(scope="module")
def year(demo_prices, settings) -> dict[date, SignalReport]:
    return {day: compute_signals(demo_prices, settings, day) for day in FRIDAYS}


def stories(report: SignalReport, ticker: str, top: int = 100) -> list[str]:
    return [h.kind for h in report.headlines[:top] if h.tickers[:1] == [ticker]]


def test_small_caps_break_out_against_large_caps_in_october_2025(year):
    oct17 = year[date(2025, 10, 17)]
    pair = next(p for p in oct17.pairs if (p.long, p.short) == ("IWM", "IWB"))
    lead = [h for h in oct17.headlines[:3] if h.tickers == ["IWM", "IWB"]]
    assert lead and lead[0].kind == "rel_breakout_multi_year" and "IWM/IWB ratio" in lead[0].text
    assert {e.kind for e in pair.events if e.weeks_ago == 0} >= {
        "rel_breakout_52w",
        "rel_breakout_multi_year",
    }
    oct24 = next(p for p in year[date(2025, 10, 24)].pairs if p.short == "IWB")
    assert oct24.base.state == "breakout" and oct24.base.breakout is not None
    assert oct24.base.breakout.kind == "rel_base_breakout"


def test_psct_attempts_its_massive_base_from_august_and_completes_it_in_january(year):
    attempting = [d for d in FRIDAYS if date(2025, 8, 15) <= d <= date(2026, 1, 2)]
    for day in attempting:
        base = year[day].instruments["PSCT"].base
        assert (base.state, base.wording) == ("attempting", "massive base"), day
        assert "base_attempting" in stories(year[day], "PSCT", top=10), day
    # Busy weeks (several fresh all-time highs) push the ongoing attempt below the top five.
    in_top_five = [d for d in attempting if "base_attempting" in stories(year[d], "PSCT", top=5)]
    assert len(in_top_five) >= 2 / 3 * len(attempting)
    assert year[date(2025, 8, 8)].instruments["PSCT"].base.state == "forming"
    completed = year[date(2026, 1, 9)]
    lead = completed.headlines[0]
    assert (lead.kind, lead.tickers) == ("base_breakout", ["PSCT"]) and "massive" in lead.text
    assert "all-time high" in lead.text
    assert completed.instruments["PSCT"].base.ceiling == pytest.approx(100.0)
    later = year[date(2026, 3, 6)].instruments["PSCT"].base
    assert (
        later.state == "post_breakout"
        and later.breakout is not None
        and later.breakout.day == date(2026, 1, 9)
    )


def test_arkx_breaks_out_of_its_base_in_july_then_to_an_all_time_high_in_october(year):
    july = year[date(2025, 7, 4)]
    assert "base_breakout" in stories(july, "ARKX", top=3)
    assert july.instruments["ARKX"].base.state == "breakout"
    october = year[date(2025, 10, 10)]
    lead = october.headlines[0]
    assert (lead.kind, lead.tickers) == ("ath_breakout", ["ARKX"])
    assert "broke out of a 2.3-year base 14 weeks ago" in lead.text
    assert october.instruments["ARKX"].base.state == "post_breakout"


def test_xle_breaks_out_in_february_and_the_breakout_fails_by_march(year):
    february = year[date(2026, 2, 13)]
    assert stories(february, "XLE", top=3) == ["base_breakout"]
    failed_weeks = [d for d in FRIDAYS if "base_breakout_failed" in stories(year[d], "XLE", top=3)]
    assert failed_weeks and failed_weeks[0] == date(2026, 3, 13)
    assert year[date(2026, 3, 13)].instruments["XLE"].base.state == "failed"
    assert all(year[d].instruments["XLE"].base.state != "failed" for d in FRIDAYS if d < date(2026, 2, 13))


def test_xlf_rotates_through_all_four_quadrants(year):
    quadrants = [year[d].instruments["XLF"].rrg.quadrant for d in FRIDAYS]
    assert set(quadrants) == {"Leading", "Weakening", "Lagging", "Improving"}
    rotations = [d for d in FRIDAYS if "rrg_rotation" in stories(year[d], "XLF")]
    assert len(rotations) >= 4


def test_the_lead_story_changes_from_week_to_week(year):
    titles = [year[d].headlines[0].title for d in FRIDAYS]
    longest, run = 1, 1
    for a, b in zip(titles, titles[1:], strict=False):
        run = run + 1 if a == b else 1
        longest = max(longest, run)
    assert longest <= 4 and len(set(titles)) >= 30
