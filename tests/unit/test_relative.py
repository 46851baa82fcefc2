"""Relative strength (SIGNALS.md §1): every formula against a plain pandas computation."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from generator.signals import compute_signals
from generator.signals.report import INSUFFICIENT
from tests.synthetic import history_of, make_settings, random_walk


def pair_report(long: np.ndarray, short: np.ndarray, **kw):
    prices = history_of({"AAA": long, "SPY": short})
    settings = make_settings({"g": ["AAA"]}, **kw)
    report = compute_signals(prices, settings, prices.last_day)
    return prices, report.instruments["AAA"].relative


def test_daily_ratio_metrics_match_pandas():
    long, short = random_walk(900, 1, drift=0.0006), random_walk(900, 2)
    prices, rel = pair_report(long, short)
    ratio = pd.Series(long / short, index=prices.close.index)
    sma50, sma200 = ratio.rolling(50).mean(), ratio.rolling(200).mean()
    assert rel.ratio == pytest.approx(ratio.iloc[-1], abs=1e-6)
    assert rel.vs_sma_fast_pct == pytest.approx(100 * (ratio.iloc[-1] / sma50.iloc[-1] - 1), abs=0.01)
    assert rel.vs_sma_slow_pct == pytest.approx(100 * (ratio.iloc[-1] / sma200.iloc[-1] - 1), abs=0.01)
    assert rel.sma_slow_slope_pct == pytest.approx(100 * (sma200.iloc[-1] / sma200.iloc[-21] - 1), abs=1e-3)
    assert rel.sma_cross == int(np.sign(sma50.iloc[-1] - sma200.iloc[-1]))
    slope = np.polyfit(np.arange(63), np.log(ratio.iloc[-63:].to_numpy()), 1)[0]
    assert rel.trend_slope_ann_pct == pytest.approx(100 * 252 * slope, abs=0.01)
    window = ratio.iloc[-252:]
    expected_pos = (ratio.iloc[-1] - window.min()) / (window.max() - window.min())
    assert rel.range_pos_52w == pytest.approx(expected_pos, abs=1e-3)
    weekly = ratio.resample("W-FRI").last()
    weekly = weekly[weekly.index <= ratio.index[-1]]
    assert rel.mansfield == pytest.approx(100 * (weekly.iloc[-1] / weekly.iloc[-52:].mean() - 1), abs=0.01)
    assert rel.change_13w_pct == pytest.approx(100 * (weekly.iloc[-1] / weekly.iloc[-14] - 1), abs=0.01)
    assert rel.ratio_rebased == pytest.approx(100 * ratio.iloc[-1] / ratio.iloc[-756], abs=0.01)


def test_trend_state_follows_the_ratio():
    days = np.arange(600)
    _, up = pair_report(100 * np.exp(0.001 * days), np.full(600, 50.0))
    _, down = pair_report(100 * np.exp(-0.001 * days), np.full(600, 50.0))
    assert (up.trend, up.at_52w_high, up.sma_cross) == ("up", True, 1)
    assert (down.trend, down.at_52w_low, down.sma_cross) == ("down", True, -1)


def test_a_flat_ratio_has_no_range_and_no_trend():
    _, rel = pair_report(np.full(600, 20.0), np.full(600, 10.0))
    assert rel.ratio == 2.0 and rel.vs_sma_slow_pct == 0.0 and rel.sma_slow_slope_pct == 0.0
    assert rel.range_pos_52w is None and rel.trend == "neutral"
    assert rel.correlation.corr_by_days["63"] is None and rel.correlation.beta is None


def test_too_little_history_is_insufficient_not_a_wrong_number():
    _, rel = pair_report(random_walk(120, 3), random_walk(120, 4))
    assert rel.trend == INSUFFICIENT
    assert rel.vs_sma_slow_pct is None and rel.range_pos_52w is None and rel.mansfield is None
    assert rel.vs_sma_fast_pct is not None  # 50 days are there
    assert rel.base.state == INSUFFICIENT


def test_a_missing_day_in_one_leg_is_an_inner_join_not_a_gap():
    long, short = random_walk(700, 5), random_walk(700, 6)
    gappy = long.copy()
    gappy[[650, 680, 695]] = np.nan  # no bar on three days
    prices, rel = pair_report(gappy, short)
    ratio = (pd.Series(gappy) / pd.Series(short)).dropna()
    assert rel.vs_sma_slow_pct == pytest.approx(
        100 * (ratio.iloc[-1] / ratio.iloc[-200:].mean() - 1), abs=0.01
    )
    assert rel.trend != INSUFFICIENT


def test_a_single_ticker_universe_works():
    prices = history_of({"SPY": random_walk(400, 7)})
    settings = make_settings({"g": ["SPY"]})
    report = compute_signals(prices, settings, prices.last_day)
    assert list(report.instruments) == ["SPY"] and report.pairs == [] and report.rrg == []
    item = report.instruments["SPY"]
    assert item.relative is None and item.benchmark is None and item.rrg is None
    assert report.breadth[0].eligible == 1


def test_configured_pairs_are_reported_in_order():
    prices = history_of({"SPY": random_walk(300, 1), "IWM": random_walk(300, 2), "IWB": random_walk(300, 3)})
    settings = make_settings({"size": ["IWM", "IWB"]}, pairs=[("IWM", "IWB"), ("IWM", "SPY")])
    report = compute_signals(prices, settings, date(2016, 1, 29))
    assert [(p.long, p.short) for p in report.pairs] == [("IWM", "IWB"), ("IWM", "SPY")]
    assert report.instruments["IWM"].relative == report.pairs[1]
