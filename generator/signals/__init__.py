"""Signals stage: one pure entry point, ``compute_signals(prices, settings, as_of)``.

Frames in, a ``SignalReport`` out; no disk, network or clock. Everything is computed from
``prices.as_of(as_of)``, so a bar after ``as_of`` cannot reach any output.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from generator.config import Settings
from generator.errors import DataError
from generator.prices import PriceHistory, weekly_last
from generator.signals.headlines import build_headlines
from generator.signals.levels import ath_state, high_breakout_events
from generator.signals.relative import relative_signals
from generator.signals.report import InstrumentSignals, RelativeSignals, SignalReport

__all__ = ["compute_signals", "SignalReport"]


def compute_signals(prices: PriceHistory, settings: Settings, as_of: date) -> SignalReport:
    """Every signal of the configured universe as of ``as_of`` (bars after it are ignored)."""
    history = prices.as_of(as_of)
    if history.close.empty:
        raise DataError(
            f"no prices on or before {as_of.isoformat()}; the data starts {prices.first_day.isoformat()}"
        )
    available = set(history.tickers)
    recent_weeks = settings.signals.base.fail_window_weeks
    weekly_close = weekly_last(history.close, as_of)
    pairs = [
        relative_signals(
            history.adj_close,
            p.long,
            p.short,
            label=p.label,
            category=p.category,
            as_of=as_of,
            settings=settings.signals.relative,
        )
        for p in settings.pairs
        if p.long in available and p.short in available
    ]
    instruments: dict[str, InstrumentSignals] = {}
    for ticker in settings.tickers:
        if ticker not in available:
            continue
        instruments[ticker] = _instrument(
            history, ticker, weekly_close[ticker], settings, as_of, recent_weeks
        )
    report = SignalReport(
        as_of=as_of,
        last_session=history.last_day,
        source_label=history.source_label,
        synthetic=history.synthetic,
        benchmark=settings.benchmark,
        instruments=instruments,
        pairs=pairs,
        headlines=[],
        notes=list(history.notes),
    )
    return SignalReport(**{**report.__dict__, "headlines": build_headlines(report)})


def _instrument(
    history: PriceHistory,
    ticker: str,
    weekly: pd.Series,
    settings: Settings,
    as_of: date,
    recent_weeks: int,
) -> InstrumentSignals:
    close = history.close[ticker].dropna()
    adj = history.adj_close[ticker].dropna()
    weekly = weekly.dropna()
    weekly_adj = weekly_last(adj.to_frame(), as_of).iloc[:, 0].dropna()
    found = settings.group_of(ticker)
    group_key, group = found if found else (None, None)
    benchmark = group.benchmark if group else settings.benchmark
    relative: RelativeSignals | None = None
    if ticker != benchmark and benchmark in history.tickers:
        relative = relative_signals(
            history.adj_close,
            ticker,
            benchmark,
            label=f"{ticker} vs {benchmark}",
            category=group.category if group else "other",
            as_of=as_of,
            settings=settings.signals.relative,
        )
    ath_level, ath_day, at_ath = ath_state(close)
    window = close.iloc[-252:]

    def change(weeks: int) -> float | None:
        if len(weekly_adj) <= weeks:
            return None
        return float(100 * (weekly_adj.iloc[-1] / weekly_adj.iloc[-1 - weeks] - 1))

    return InstrumentSignals(
        ticker=ticker,
        name=settings.name_of(ticker),
        group=group_key,
        category=group.category if group else "benchmark",
        benchmark=benchmark if ticker != benchmark else None,
        first_bar=pd.Timestamp(close.index[0]).date(),
        last_bar=pd.Timestamp(close.index[-1]).date(),
        history_weeks=len(weekly),
        last_close=float(close.iloc[-1]),
        change_1w_pct=change(1),
        change_13w_pct=change(13),
        change_52w_pct=change(52),
        ath_level=ath_level,
        ath_day=ath_day,
        pct_from_ath=float(100 * (close.iloc[-1] / ath_level - 1)),
        at_ath=at_ath,
        high_52w=float(window.max()) if len(close) >= 252 else None,
        pct_from_52w_high=float(100 * (close.iloc[-1] / window.max() - 1)) if len(close) >= 252 else None,
        one_close=ticker in history.one_close,
        relative=relative,
        events=high_breakout_events(weekly, settings.signals.base.ath_years, recent_weeks),
    )
