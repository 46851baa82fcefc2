"""Signals on real ETF history (../shared/data/prices/adjusted-closes; one close per ETF, split-
and dividend-adjusted, so it serves both price bases).

The README facts are asserted as given. The others were derived and checked by hand with a
plain-Python scan of the CSV files (the csv module, each date mapped to its Friday, the week's
last row kept; no pandas, no project code), and the numbers it printed are quoted below.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from generator.config import load_settings
from generator.signals import compute_signals
from tests.helpers import REPO, adjusted_closes

SETTINGS = load_settings(REPO / "newsletter.toml")


@pytest.fixture(scope="module")
def real():
    return adjusted_closes(SETTINGS.tickers + ["QQQ"])


def signals(prices, day: str):
    settings = SETTINGS.model_copy(update={"benchmark": "SPY"})
    return compute_signals(prices, settings, date.fromisoformat(day))


def event(item, kind: str):
    found = [e for e in item.events if e.kind == kind and e.weeks_ago == 0]
    assert found, f"no {kind} for {item.ticker} on {item.last_bar}: {[e.kind for e in item.events]}"
    return found[0]


def test_spy_and_qqq_first_close_above_their_2021_highs_in_the_week_of_2023_12_15(real):
    report = signals(real.select(["SPY", "QQQ", "IWM", "IWB"]), "2023-12-15")
    spy = event(report.instruments["SPY"], "ath_breakout")
    assert spy.detail["weeks_since_high"] == 102 and spy.notable  # README: a base of about 102 weeks
    base = event(report.instruments["SPY"], "base_breakout")
    assert base.detail["start_day"] == "2021-11-05" and base.level == spy.level
    assert report.instruments["SPY"].base.state == "breakout"
    week_before = signals(real.select(["SPY", "QQQ", "IWM", "IWB"]), "2023-12-08")
    assert not [
        e for e in week_before.instruments["SPY"].events if e.kind == "ath_breakout" and e.weeks_ago == 0
    ]


def test_qqq_first_close_above_its_2021_high_after_108_weeks(real):
    settings = SETTINGS.model_copy(update={"groups": {}, "pairs": [], "benchmark": "QQQ"})
    report = compute_signals(real.select(["QQQ"]), settings, date(2023, 12, 15))
    qqq = event(report.instruments["QQQ"], "ath_breakout")
    assert qqq.detail["weeks_since_high"] == 108 and qqq.detail["prior_high_day"] == "2021-11-19"


def test_iwm_first_close_above_its_2021_11_05_high_157_weeks_later(real):
    report = signals(real.select(["SPY", "IWM", "IWB"]), "2024-11-08")
    iwm = report.instruments["IWM"]
    ath = event(iwm, "ath_breakout")
    assert (ath.detail["prior_high_day"], ath.detail["weeks_since_high"]) == ("2021-11-05", 157)
    # By hand: the 2021-11-05 weekly close is 227.9075, the highest close between then and
    # 2024-11-08 is 225.7303, and 2024-11-08 closed at 233.802.
    assert ath.level == pytest.approx(227.9075, abs=1e-3) and ath.close == pytest.approx(233.802, abs=1e-3)
    base = event(iwm, "base_breakout")
    assert base.detail["length_weeks"] == 157 and base.detail["wording"] == "massive base"
    assert report.headlines[0].tickers == ["IWM"] and "massive 3.0-year base" in report.headlines[0].text


def test_the_iwm_iwb_ratio_peak_of_1_20_on_2011_04_05(real):
    report = signals(real.select(["SPY", "IWM", "IWB"]), "2011-04-05")
    pair = report.pairs[0]
    assert (pair.long, pair.short) == ("IWM", "IWB")
    assert round(pair.ratio, 2) == 1.20 and pair.at_52w_high and pair.range_pos_52w == 1.0
    # By hand: the weekly ratio closed at 1.1918 on 2011-04-01, above every earlier weekly
    # close (the highest, 1.1824, within the 5 years before): a relative base breakout. An
    # earlier one (2010-12-10, over 1.1632) fell back more than 2% by 2011-01-21.
    breakout = [e for e in pair.events if e.kind == "rel_base_breakout"]
    assert [e.day for e in breakout] == [date(2011, 4, 1), date(2010, 12, 10)]
    assert (
        breakout[0].level == pytest.approx(1.1824, abs=1e-4)
        and breakout[0].detail["wording"] == "massive base"
    )
    failed = [e for e in pair.events if e.kind == "rel_breakout_failed"]
    assert [(e.day, e.detail["breakout_day"]) for e in failed] == [(date(2011, 1, 21), "2010-12-10")]
    assert pair.base.state == "breakout" and pair.base.breakout == breakout[0]  # the last completed week
    later = signals(real.select(["SPY", "IWM", "IWB"]), "2011-04-08").pairs[0]
    assert later.ratio < 1.1996 and not later.at_52w_high


def test_psct_completes_a_massive_base_in_the_week_of_2025_09_19(real):
    report = signals(real.select(["SPY", "IWM", "PSCT"]), "2025-09-19")
    psct = report.instruments["PSCT"]
    # By hand: PSCT's 2021-11-05 weekly close was 51.6422, every weekly close after it stayed
    # below (highest 51.509) until 2025-09-19 closed at 52.926, 202 weeks later.
    ath = event(psct, "ath_breakout")
    assert ath.detail["weeks_since_high"] == 202 and ath.level == pytest.approx(51.6422, abs=1e-3)
    base = event(psct, "base_breakout")
    assert base.detail["wording"] == "massive base" and base.detail["start_day"] == "2021-11-05"
    assert psct.base.state == "breakout"
    top = report.headlines[0]
    assert top.kind == "base_breakout" and top.tickers == ["PSCT"] and "massive 3.9-year base" in top.text
    assert "all-time high of 51.64" in top.text


def test_xle_first_close_above_its_2024_high_in_the_week_of_2026_01_16(real):
    report = signals(real.select(["SPY", "XLE"]), "2026-01-16")
    # By hand: 2024-11-22 closed at 46.0365; the highest close until 2026-01-16 was 46.0351
    # (a near miss); 2026-01-16 closed at 47.0412, 60 weeks later.
    ath = event(report.instruments["XLE"], "ath_breakout")
    assert ath.detail["weeks_since_high"] == 60 and ath.close == pytest.approx(47.0412, abs=1e-3)
    assert event(report.instruments["XLE"], "base_breakout").detail["length_weeks"] == 93


def test_small_caps_make_a_52_week_relative_high_in_the_week_of_2026_01_16(real):
    report = signals(real.select(["SPY", "IWM", "IWB"]), "2026-01-16")
    pair = report.pairs[0]
    # By hand: the weekly IWM/IWB ratio was 0.7006, above the 0.6844 high of the 52 weeks before.
    found = [e for e in pair.events if e.kind == "rel_breakout_52w" and e.weeks_ago == 0]
    assert found and found[0].close == pytest.approx(0.7006, abs=1e-4) and found[0].notable
    assert found[0].level == pytest.approx(0.6844, abs=1e-4)
    assert pair.trend == "up"
    assert any(h.kind == "rel_breakout_52w" and h.tickers == ["IWM", "IWB"] for h in report.headlines[:3])


def test_later_data_does_not_change_a_real_week(real):
    day = date(2024, 11, 8)
    full = compute_signals(real, SETTINGS, day).to_jsonable()
    cut = compute_signals(real.as_of(day), SETTINGS, day).to_jsonable()
    assert json.dumps(full, sort_keys=True) == json.dumps(cut, sort_keys=True)
    assert len(full["instruments"]) == len(SETTINGS.tickers)
