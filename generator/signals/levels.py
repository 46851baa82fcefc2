"""Price levels on quoted closes (basis B): all-time and N-year highs (SIGNALS.md §3.2)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from generator.signals.relative import new_high_events
from generator.signals.report import Event


def high_breakout_events(weekly_close: pd.Series, years: list[int], recent_weeks: int) -> list[Event]:
    """The latest all-time-high and N-year-high breakouts within ``recent_weeks``.

    An all-time-high breakout is the first weekly close above every earlier weekly close
    since the first bar; an N-year breakout uses the prior 52*N weeks only.
    """
    weekly = weekly_close.dropna()
    events: list[Event] = []
    specs: list[tuple[str, int | None]] = [("ath_breakout", None)]
    specs += [(f"high_{n}y_breakout", 52 * n) for n in sorted(years)]
    for kind, lookback in specs:
        if len(weekly) < 2 or (lookback is not None and len(weekly) <= lookback):
            continue
        fired = new_high_events(weekly, lookback).to_numpy()
        prior = weekly.shift(1)
        prior_max = prior.cummax() if lookback is None else prior.rolling(lookback).max()
        hits = np.flatnonzero(fired)
        if not len(hits):
            continue
        position = int(hits[-1])
        weeks_ago = len(weekly) - 1 - position
        if weeks_ago > recent_weeks:
            continue
        level = float(prior_max.iloc[position])
        close = float(weekly.iloc[position])
        detail: dict[str, object] = {"margin_pct": round(100 * (close / level - 1), 2)}
        if lookback is None:
            detail["first_bar"] = weekly.index[0].date().isoformat()
        else:
            detail["lookback_weeks"] = lookback
        events.append(Event(kind, weekly.index[position].date(), level, close, weeks_ago, detail))
    return events


def ath_state(daily_close: pd.Series) -> tuple[float, date, bool]:
    """All-time closing high, its date, and whether the last close is at it."""
    close = daily_close.dropna()
    level = float(close.max())
    day = pd.Timestamp(close.index[int(close.to_numpy().argmax())]).date()
    return level, day, bool(close.iloc[-1] >= level)
