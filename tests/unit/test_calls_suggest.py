"""Which calls a draft suggests from the calls its stories support: in their order, no open
position twice, no two calls on the same bet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from generator.calls.model import Call
from generator.calls.suggest import position_returns, suggest_calls


def call(ticker: str, benchmark: str | None = None, stop: float | None = 1.0) -> Call:
    position = f"long-{ticker}" + (f"-vs-{benchmark}" if benchmark else "")
    return Call(
        id=f"2023-12-15-{position}".lower(),
        direction="long",
        ticker=ticker,
        benchmark=benchmark,
        category="size",
        thesis="t",
        entry={ticker: 1.0},
        horizon_weeks=13,
        stop=None if benchmark else stop,
        stop_pct=-4.0 if benchmark else None,
    )


def test_calls_keep_the_order_of_the_stories_they_follow():
    candidates = [call("XLI"), call("ARKX"), call("SPY")]
    assert [c.ticker for c in suggest_calls(candidates, max_calls=3)] == ["XLI", "ARKX", "SPY"]
    assert [c.ticker for c in suggest_calls(candidates, max_calls=2)] == ["XLI", "ARKX"]


def test_longs_that_move_together_are_one_bet():
    candidates = [call("IWB"), call("SPY"), call("XLK"), call("XLI")]
    closes = correlated_closes()
    corr = closes.pct_change().iloc[-63:].corr()
    assert corr.loc["SPY", "IWB"] > 0.95 and corr.loc["XLK", "IWB"] < 0.9
    calls = suggest_calls(candidates, max_calls=3, adj_close=closes)
    assert [c.ticker for c in calls] == ["IWB", "XLK", "XLI"]
    without_prices = suggest_calls(candidates, max_calls=3)
    assert [c.ticker for c in without_prices] == ["IWB", "SPY", "XLK"]


def correlated_closes() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    market = rng.normal(0, 0.01, 80)
    small = rng.normal(0, 0.008, 80)
    returns = {
        "SPY": market,
        "IWB": market + rng.normal(0, 0.001, 80),  # correlation about 0.99
        "XLK": market + rng.normal(0, 0.006, 80),  # about 0.85
        "XLI": market + rng.normal(0, 0.006, 80),
        "IWM": market + small,
    }
    return pd.DataFrame({t: 100 * np.cumprod(1 + r) for t, r in returns.items()})


def test_two_pairs_on_the_same_trade_are_one_bet():
    candidates = [call("IWM", "IWB"), call("IWM", "SPY")]
    closes = correlated_closes()
    calls = suggest_calls(candidates, max_calls=3, adj_close=closes)
    assert [c.position for c in calls] == ["long IWM vs IWB"]
    assert len(suggest_calls(candidates, max_calls=3)) == 2  # without prices both stand


def test_position_returns_read_only_the_last_days_of_what_the_call_holds():
    quiet = np.linspace(100, 101, 200)
    closes = pd.DataFrame({"A": quiet, "B": quiet[::-1].copy()})
    tail = np.random.default_rng(1).normal(0, 0.01, 64)
    closes.iloc[-64:, 0] = 100 * np.cumprod(1 + tail)
    closes.iloc[-64:, 1] = 50 * np.cumprod(1 + tail)
    long_a = Call("x", "long", "A", None, "c", "t", {"A": 1.0}, 13, stop=0.5)
    long_b = Call("y", "long", "B", None, "c", "t", {"B": 1.0}, 13, stop=0.5)
    returns_a = position_returns(closes, long_a, days=63)
    assert len(returns_a) == 63
    assert returns_a.corr(position_returns(closes, long_b, days=63)) == pytest.approx(1.0)
    a_vs_b = Call("z", "long", "A", "B", "c", "t", {"A": 1.0, "B": 1.0}, 13, stop_pct=-4.0)
    assert position_returns(closes, a_vs_b, days=63).abs().max() == pytest.approx(0.0, abs=1e-12)


def test_an_open_position_is_not_suggested_again():
    candidates = [call("IWM"), call("XLK")]
    assert [c.ticker for c in suggest_calls(candidates, max_calls=3, open_positions=("LONG IWM",))] == ["XLK"]
