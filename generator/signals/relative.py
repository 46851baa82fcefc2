"""Relative strength (SIGNALS.md §1): ratio metrics, trend state and relative breakouts.

All on adjusted closes (basis A), with the two legs inner-joined on dates.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from generator.config import RelativeSettings
from generator.prices import weekly_last
from generator.signals.report import INSUFFICIENT, Event, RelativeSignals


def ratio_series(adj_close: pd.DataFrame, long: str, short: str) -> pd.Series:
    """``R_t = P_t / B_t`` on the dates both legs have a close (inner join, no fill)."""
    pair = adj_close[[long, short]].dropna()
    return (pair[long] / pair[short]).rename(f"{long}/{short}")


def trend_state(ratio: pd.Series, settings: RelativeSettings) -> str:
    """``up``: R > SMA_slow, SMA_slow rising and SMA_fast > SMA_slow; ``down``: the mirror."""
    if len(ratio) < settings.sma_slow_days + settings.sma_slope_days:
        return INSUFFICIENT
    fast = ratio.rolling(settings.sma_fast_days).mean()
    slow = ratio.rolling(settings.sma_slow_days).mean()
    last, f, s = ratio.iloc[-1], fast.iloc[-1], slow.iloc[-1]
    slope = s / slow.iloc[-1 - settings.sma_slope_days] - 1
    if last > s and slope > 0 and f > s:
        return "up"
    if last < s and slope < 0 and f < s:
        return "down"
    return "neutral"


def new_high_events(weekly: pd.Series, lookback_weeks: int | None) -> pd.Series:
    """First weekly close above the prior ``lookback_weeks`` closes (None: all history).

    ``C_t > max(C_{t-L..t-1})`` and not so on the week before (SIGNALS.md §1.3 and §3.2);
    False during warm-up.
    """
    prior = weekly.shift(1)
    if lookback_weeks is None:
        prior_max = prior.cummax()
    else:
        prior_max = prior.rolling(lookback_weeks, min_periods=lookback_weeks).max()
    above = (weekly > prior_max).fillna(False).astype(bool)
    return above & ~above.shift(1, fill_value=False).astype(bool)


def relative_signals(
    adj_close: pd.DataFrame,
    long: str,
    short: str,
    *,
    label: str,
    category: str,
    as_of: date,
    settings: RelativeSettings,
) -> RelativeSignals:
    """Every relative-strength metric of ``long`` against ``short`` as of the last bar."""
    ratio = ratio_series(adj_close, long, short)
    weekly = weekly_last(ratio.to_frame(), as_of).iloc[:, 0].dropna()
    n = len(ratio)

    def have(days: int) -> bool:
        return n >= days

    fast = ratio.rolling(settings.sma_fast_days).mean()
    slow = ratio.rolling(settings.sma_slow_days).mean()
    lookback_days = settings.high_lookback_weeks * 5
    window = ratio.iloc[-lookback_days:]
    last = float(ratio.iloc[-1]) if n else float("nan")
    range_pos = None
    if have(lookback_days) and window.max() > window.min():
        range_pos = float((last - window.min()) / (window.max() - window.min()))
    mansfield = None
    if len(weekly) >= settings.mansfield_weeks:
        mansfield = float(100 * (weekly.iloc[-1] / weekly.iloc[-settings.mansfield_weeks :].mean() - 1))
    slope = None
    if have(settings.sma_slow_days + settings.sma_slope_days):
        slope = float(100 * (slow.iloc[-1] / slow.iloc[-1 - settings.sma_slope_days] - 1))
    return RelativeSignals(
        long=long,
        short=short,
        label=label,
        category=category,
        trend=trend_state(ratio, settings),
        ratio_rebased=float(100 * last / ratio.iloc[max(0, n - 252 * 3)]) if n else None,
        vs_sma_fast_pct=float(100 * (last / fast.iloc[-1] - 1)) if have(settings.sma_fast_days) else None,
        vs_sma_slow_pct=float(100 * (last / slow.iloc[-1] - 1)) if have(settings.sma_slow_days) else None,
        sma_cross=int(np.sign(fast.iloc[-1] - slow.iloc[-1])) if have(settings.sma_slow_days) else None,
        sma_slow_slope_pct=slope,
        range_pos_52w=range_pos,
        at_52w_high=bool(last >= window.max()) if have(lookback_days) else None,
        at_52w_low=bool(last <= window.min()) if have(lookback_days) else None,
        mansfield=mansfield,
        change_13w_pct=float(100 * (weekly.iloc[-1] / weekly.iloc[-14] - 1)) if len(weekly) > 13 else None,
        events=_relative_events(weekly, settings),
    )


def _relative_events(weekly: pd.Series, settings: RelativeSettings) -> list[Event]:
    """New 52-week and multi-year relative closing highs in the last ``fail_window_weeks``."""
    events: list[Event] = []
    recent = settings.fail_window_weeks
    for kind, lookback in (
        ("rel_breakout_52w", settings.high_lookback_weeks),
        ("rel_breakout_multi_year", settings.multi_year_weeks),
    ):
        if len(weekly) <= lookback:
            continue
        fired = new_high_events(weekly, lookback)
        prior_max = weekly.shift(1).rolling(lookback, min_periods=lookback).max()
        for position in np.flatnonzero(fired.to_numpy())[::-1]:
            weeks_ago = len(weekly) - 1 - int(position)
            if weeks_ago > recent:
                break
            level = float(prior_max.iloc[position])
            close = float(weekly.iloc[position])
            events.append(
                Event(
                    kind,
                    weekly.index[position].date(),
                    level,
                    close,
                    weeks_ago,
                    {"margin_pct": round(100 * (close / level - 1), 2), "lookback_weeks": lookback},
                )
            )
            break
    return events
