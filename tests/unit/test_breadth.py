"""Breadth over a ticker list (SIGNALS.md §4.2) on a hand-built universe."""

from __future__ import annotations

import numpy as np

from generator.config import BreadthSettings
from generator.signals.breadth import breadth_snapshot
from tests.synthetic import history_of


def test_breadth_of_a_hand_built_three_ticker_universe():
    n = 400
    days = np.arange(n)
    rising = 50 * np.exp(0.002 * days)  # above both averages, a new 52-week high today
    falling = 80 * np.exp(-0.002 * days)  # below both, a new 52-week low today
    stale = np.full(n, 30.0)
    stale[-1] = np.nan  # no bar on the last session: excluded, and said so
    prices = history_of({"UP": rising, "DOWN": falling, "OLD": stale})
    snap = breadth_snapshot("three", ["UP", "DOWN", "OLD"], prices.close, prices.adj_close, BreadthSettings())
    assert (snap.members, snap.eligible, snap.excluded) == (3, 2, ["OLD"])
    assert snap.pct_above_sma == {"50": 50.0, "200": 50.0}
    assert snap.pct_above_rising_sma == 50.0
    assert (snap.new_highs, snap.new_lows, snap.net_new_highs, snap.net_new_highs_pct) == (1, 1, 0, 0.0)
    assert snap.high_low_index == 50.0  # one high and one low on each of the last 10 sessions
    assert snap.pct_above_slow_sma_4w_ago == 50.0


def test_too_little_history_is_excluded_and_nothing_is_invented():
    prices = history_of({"NEW": np.linspace(10, 20, 100)})
    snap = breadth_snapshot("new", ["NEW", "GONE"], prices.close, prices.adj_close, BreadthSettings())
    assert snap.eligible == 0 and snap.excluded == ["GONE", "NEW"]
    assert snap.pct_above_sma == {"50": None, "200": None} and snap.high_low_index is None


def test_a_missing_day_inside_the_history_does_not_drop_a_ticker():
    values = 50 * np.exp(0.002 * np.arange(400))
    values[390] = np.nan
    prices = history_of({"UP": values})
    snap = breadth_snapshot("one", ["UP"], prices.close, prices.adj_close, BreadthSettings())
    assert snap.eligible == 1 and snap.pct_above_sma["200"] == 100.0 and snap.new_highs == 1


def test_a_few_days_of_history_and_an_empty_group_give_no_numbers():
    prices = history_of({"SPY": [100.0, 101.0, 99.0, 102.0, 103.0, 104.0]})
    for tickers in (["SPY"], ["XLK", "XLF"]):
        snap = breadth_snapshot("early", tickers, prices.close, prices.adj_close, BreadthSettings())
        assert snap.eligible == 0 and snap.new_highs is None and snap.high_low_index is None
