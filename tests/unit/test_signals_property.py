"""No look-ahead, as a property: for random prices and a random as-of date, changing any bar
after the as-of date changes no output of compute_signals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.data.prices import PriceHistory
from generator.signals import compute_signals
from tests.synthetic import history_of, make_settings

# Short windows so that a few hundred days exercise every signal, events included.
SMALL = {
    "relative": {
        "sma_fast_days": 5,
        "sma_slow_days": 20,
        "high_lookback_weeks": 4,
        "multi_year_weeks": 52,
        "base_min_weeks": 4,
        "mansfield_weeks": 4,
        "trend_regression_days": 10,
        "rebase_days": 30,
        "min_high_age_weeks": 2,
    },
    "base": {
        "min_weeks": 4,
        "multi_year_weeks": 26,
        "massive_weeks": 52,
        "touch_gap_weeks": 2,
        "hold_weeks": 6,
        "fail_window_weeks": 3,
        "min_high_age_weeks": 2,
        "ath_years": [1],
    },
    "rrg": {"window_weeks": 3, "tail_weeks": 4},
    "volatility": {"bb_days": 5, "bb_rank_days": 20},
    "correlation": {"corr_days": [10, 20], "beta_days": 20, "corr_weeks": 8, "rank_days": 63},
    "breadth": {
        "sma_days": [5, 20],
        "hilo_lookback_days": 20,
        "hilo_index_smooth_days": 3,
        "min_history_days": 20,
    },
}
SETTINGS = make_settings({"g": ["AAA", "BBB"]}, pairs=[("AAA", "BBB")], signals=SMALL)


def random_prices(seed: int, days: int) -> PriceHistory:
    rng = np.random.default_rng(seed)
    closes = {}
    for ticker in ("SPY", "AAA", "BBB"):
        path = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, days)))
        path[rng.random(days) < 0.03] = np.nan  # missing days
        closes[ticker] = path
    closes["BBB"][: int(rng.integers(0, days // 3))] = np.nan  # a late listing
    return history_of(
        closes, highs={t: v * 1.01 for t, v in closes.items()}, lows={t: v * 0.99 for t, v in closes.items()}
    )


def scrambled_after(prices: PriceHistory, cut: pd.Timestamp, seed: int) -> PriceHistory:
    rng = np.random.default_rng(seed)
    later = prices.close.index > cut

    def scramble(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        if frame is None:
            return None
        out = frame.copy()
        out.loc[later] = out.loc[later].to_numpy() * np.exp(
            rng.normal(0, 0.3, (int(later.sum()), out.shape[1]))
        )
        return out

    return PriceHistory(
        **{
            **prices.__dict__,
            "close": scramble(prices.close),
            "adj_close": scramble(prices.adj_close),
            "high": scramble(prices.high),
            "low": scramble(prices.low),
        }
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), days=st.integers(30, 420), cut=st.floats(0.3, 0.97))
def test_bars_after_the_as_of_date_change_nothing(seed: int, days: int, cut: float):
    prices = random_prices(seed, days)
    as_of = prices.close.index[int(cut * (len(prices.close.index) - 1))]
    before = compute_signals(prices, SETTINGS, as_of.date()).to_jsonable()
    after = compute_signals(scrambled_after(prices, as_of, seed + 1), SETTINGS, as_of.date()).to_jsonable()
    assert json.dumps(before, sort_keys=True) == json.dumps(after, sort_keys=True)


def test_bars_before_the_as_of_date_do_change_the_output():
    prices = random_prices(1, 400)
    as_of = prices.close.index[350]
    early = prices.close.index[300]
    before = compute_signals(prices, SETTINGS, as_of.date()).to_jsonable()
    after = compute_signals(scrambled_after(prices, early, 2), SETTINGS, as_of.date()).to_jsonable()
    assert before != after
