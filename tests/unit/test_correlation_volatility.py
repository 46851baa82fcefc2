"""Correlation, beta (SIGNALS.md §4.1) and volatility contraction (§3.5) against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from generator.config import CorrelationSettings, VolatilitySettings
from generator.signals.correlation import correlation_signals
from generator.signals.frames import PairSpec, weekly_closes
from generator.signals.volatility import volatility_arrays
from tests.synthetic import business_days


def legs(n: int = 1500, seed: int = 9) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    market = rng.normal(0, 0.01, n)
    small = 1.2 * market + rng.normal(0, 0.006, n)
    frame = pd.DataFrame(
        {"IWM": 100 * np.exp(np.cumsum(small)), "IWB": 100 * np.exp(np.cumsum(market))},
        index=business_days(n),
    )
    frame.iloc[[n - 100, n - 50], 0] = np.nan  # two missing days in one leg
    return frame


def test_correlation_beta_and_rank_match_pandas():
    frame = legs()
    settings = CorrelationSettings()
    spec = PairSpec("IWM", "IWB", "x", "size")
    got = correlation_signals(frame, weekly_closes(frame), [spec], settings)[0]
    joint = np.log(frame.dropna()).diff().dropna()
    rolling = joint["IWM"].rolling(63).corr(joint["IWB"])
    assert got.corr_by_days["63"] == pytest.approx(rolling.iloc[-1], abs=1e-4)
    assert got.corr_by_days["252"] == pytest.approx(joint.iloc[-252:].corr().iloc[0, 1], abs=1e-4)
    tail = joint.iloc[-252:]
    assert got.beta == pytest.approx(tail["IWM"].cov(tail["IWB"]) / tail["IWB"].var(), abs=1e-4)
    assert got.rel_vol == pytest.approx(
        joint["IWM"].iloc[-63:].std() / joint["IWB"].iloc[-63:].std(), abs=1e-4
    )
    history = rolling.iloc[-1260:]
    assert got.corr_rank_pct == pytest.approx(100 * (history <= rolling.iloc[-1]).mean(), abs=0.1)
    weekly = np.log(weekly_closes(frame)).diff().dropna().iloc[-52:]
    assert got.corr_weekly == pytest.approx(weekly.corr().iloc[0, 1], abs=1e-4)


def test_rank_needs_five_years():
    frame = legs(n=600)
    got = correlation_signals(
        frame, weekly_closes(frame), [PairSpec("IWM", "IWB", "x", "s")], CorrelationSettings()
    )
    assert got[0].corr_rank_pct is None and got[0].corr_by_days["63"] is not None


def test_bollinger_width_rank_and_contraction():
    rng = np.random.default_rng(2)
    calm_end = np.concatenate([rng.normal(0, 0.02, 400), rng.normal(0, 0.002, 40)])
    close = 100 * np.exp(np.cumsum(calm_end))
    got = volatility_arrays(close[:, None], None, None, VolatilitySettings())
    series = pd.Series(close)
    width = 4 * series.rolling(20).std() / series.rolling(20).mean()
    assert got["width_pct"][0] == pytest.approx(100 * width.iloc[-1], rel=1e-6)
    assert got["rank"][0] == pytest.approx((width.iloc[-252:] <= width.iloc[-1]).mean())
    assert got["contraction"][0] == 1.0 and np.isnan(got["squeeze"][0])


def test_squeeze_needs_highs_and_lows():
    close = np.full((60, 1), 100.0) + np.sin(np.arange(60))[:, None]
    high, low = close + 3.0, close - 3.0  # wide daily ranges, tight closes: a squeeze
    got = volatility_arrays(close, high, low, VolatilitySettings())
    assert got["squeeze"][0] == 1.0 and np.isnan(got["rank"][0])  # 60 days: no 252-day rank yet
