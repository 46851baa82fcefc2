"""Which calls a draft suggests: ranked by the week's headlines, one per category, with numbers."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from generator.calls.model import Call
from generator.calls.suggest import position_returns, suggest_calls
from generator.signals.report import Event, Headline

AS_OF = date(2023, 12, 15)


def ath(level: float, close: float, *, weeks_ago: int = 0, notable: bool = True) -> Event:
    detail = {"margin_pct": round(100 * (close / level - 1), 2), "prior_high_day": "2022-01-07"}
    return Event("ath_breakout", AS_OF, level, close, weeks_ago, detail, notable=notable)


def base_breakout(level: float, close: float, length_weeks: int) -> Event:
    detail = {"length_weeks": length_weeks, "start_day": "2021-11-05", "margin_pct": 2.6}
    return Event("base_breakout", AS_OF, level, close, 0, detail)


def instrument(ticker: str, category: str, close: float, *events: Event) -> SimpleNamespace:
    return SimpleNamespace(ticker=ticker, category=category, last_close=close, events=list(events))


def headline(ticker: str, score: float, *more: str) -> Headline:
    return Headline(f"{ticker} news", f"{ticker} did something", score, "x", [ticker, *more], "size")


def report(instruments: list[SimpleNamespace], headlines: list[Headline], pairs: list | None = None):
    return SimpleNamespace(
        as_of=AS_OF,
        instruments={i.ticker: i for i in instruments},
        pairs=pairs or [],
        headlines=headlines,
    )


def suggest(rep, max_calls: int = 3, open_positions: tuple[str, ...] = ()):
    return suggest_calls(rep, horizon_weeks=13, max_calls=max_calls, open_positions=open_positions)


def test_calls_follow_the_headline_ranking_not_the_configured_order():
    rep = report(
        [
            instrument("SPY", "market", 470.0, ath(460.0, 470.0)),
            instrument("ARKX", "thematic", 17.0, ath(16.0, 17.0)),
            instrument("XLI", "sectors", 110.0, ath(105.0, 110.0)),
        ],
        [headline("XLI", 90.0), headline("ARKX", 80.0), headline("SPY", 40.0)],
    )
    assert [c.ticker for c in suggest(rep)] == ["XLI", "ARKX", "SPY"]
    assert [c.ticker for c in suggest(rep, max_calls=2)] == ["XLI", "ARKX"]


def test_longs_that_move_together_are_one_bet():
    rep = report(
        [
            instrument("SPY", "benchmark", 470.0, ath(460.0, 470.0)),
            instrument("IWB", "size", 260.0, ath(250.0, 260.0)),
            instrument("XLI", "sectors", 110.0, ath(105.0, 110.0)),
            instrument("XLK", "sectors", 190.0, ath(180.0, 190.0)),
        ],
        [headline("IWB", 70.0), headline("SPY", 60.0), headline("XLK", 50.0), headline("XLI", 30.0)],
    )
    closes = correlated_closes()
    corr = closes.pct_change().iloc[-63:].corr()
    assert corr.loc["SPY", "IWB"] > 0.95 and corr.loc["XLK", "IWB"] < 0.9
    calls = suggest_calls(rep, horizon_weeks=13, max_calls=3, adj_close=closes)
    assert [c.ticker for c in calls] == ["IWB", "XLK", "XLI"]
    assert [c.ticker for c in suggest(rep)] == ["IWB", "SPY", "XLK"]  # without prices


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
    def pair_event():
        detail = {"margin_pct": 2.0, "prior_high_day": "2025-01-03"}
        return Event("rel_breakout_52w", AS_OF, 1.0, 1.02, 0, detail)

    pairs = [
        SimpleNamespace(long="IWM", short="IWB", category="size", events=[pair_event()]),
        SimpleNamespace(long="IWM", short="SPY", category="size", events=[pair_event()]),
    ]
    legs = [instrument(t, "size", 1.0) for t in ("IWM", "IWB", "SPY")]
    rep = report(legs, [headline("IWM", 80.0, "IWB"), headline("IWM", 70.0, "SPY")], pairs=pairs)
    closes = correlated_closes()
    assert [c.position for c in suggest_calls(rep, horizon_weeks=13, max_calls=3, adj_close=closes)] == [
        "long IWM vs IWB"
    ]
    assert len(suggest(rep)) == 2  # without prices both stand


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


def test_an_open_position_and_stale_or_minor_highs_are_not_suggested():
    rep = report(
        [
            instrument("IWM", "size", 233.8, ath(227.91, 233.8)),
            instrument("XLK", "sectors", 190.0, ath(180.0, 190.0, weeks_ago=1)),
            instrument("XLY", "consumer", 106.0, ath(105.0, 106.0, notable=False)),
        ],
        [headline("IWM", 90.0)],
    )
    assert suggest(rep, open_positions=("LONG IWM",)) == []
    assert [c.ticker for c in suggest(rep)] == ["IWM"]


def test_a_base_breakout_call_states_its_base_stop_and_entry():
    rep = report(
        [instrument("IWM", "size", 233.8, ath(227.91, 233.8), base_breakout(227.91, 233.8, 157))],
        [headline("IWM", 95.0)],
    )
    (call,) = suggest(rep)
    assert call.id == "2023-12-15-long-iwm"
    assert call.stop == pytest.approx(216.51)  # 5% under the ceiling
    assert call.entry == {"IWM": 233.8}
    assert call.thesis == (
        "IWM closed at 233.80, above the 227.91 ceiling of a 3.0-year base, held since November 2021."
    )


def test_a_relative_breakout_suggests_the_pair_with_a_relative_stop():
    event = Event(
        "rel_breakout_multi_year",
        AS_OF,
        0.95,
        0.97,
        0,
        {"margin_pct": 2.1, "prior_high_day": "2021-03-12"},
    )
    pair = SimpleNamespace(long="IWM", short="IWB", category="size", events=[event])
    rep = report(
        [instrument("IWM", "size", 200.0), instrument("IWB", "size", 260.0), instrument("XLK", "size", 1.0)],
        [headline("IWM", 88.0, "IWB"), headline("XLK", 20.0)],
        pairs=[pair],
    )
    (call,) = suggest(rep)
    assert call.position == "long IWM vs IWB"
    assert call.stop_pct == -4.0 and call.entry == {"IWM": 200.0, "IWB": 260.0}
    assert call.thesis == (
        "IWM/IWB made its first weekly close at a multi-year relative high (+2.1%), "
        "the first since March 2021."
    )
