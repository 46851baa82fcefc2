"""Signals stage: one pure entry point, ``compute_signals(prices, settings, as_of)``.

Frames in, a ``SignalReport`` out; no disk, network or clock. Everything is computed from
``prices.as_of(as_of)``, so a bar after ``as_of`` cannot reach any output. The daily frames
are resampled to completed W-FRI weeks once, and every family of signals works on the whole
date x ticker array at once (``frames``, ``relative``, ``levels``, ``bases``, ``rrg``,
``correlation``, ``volatility``, ``breadth``); only the assembly of the per-ticker
dataclasses below loops over tickers.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from generator.config import GroupSettings, Settings
from generator.data.prices import PriceHistory
from generator.errors import DataError
from generator.signals.breadth import breadth_snapshot
from generator.signals.correlation import correlation_signals
from generator.signals.frames import PairSpec, dates_of, ratio_frame, weekly_levels
from generator.signals.headlines import build_headlines
from generator.signals.instruments import InstrumentInputs, build_instruments
from generator.signals.ratio_history import ratio_histories
from generator.signals.relative import (
    build_relative,
    daily_metrics,
    relative_events,
    relative_params,
    weekly_metrics,
)
from generator.signals.report import BreadthSnapshot, RelativeSignals, SignalReport
from generator.signals.rrg import rrg_points

__all__ = ["compute_signals", "compute_relative", "SignalReport", "PairSpec", "breadth_snapshot"]


def compute_signals(prices: PriceHistory, settings: Settings, as_of: date) -> SignalReport:
    """Every signal of the configured universe as of ``as_of`` (bars after it are ignored)."""
    history = prices.as_of(as_of)
    if history.close.empty or not len(history.close.index):
        first = prices.first_day.isoformat() if len(prices.close.index) else "nowhere (no prices)"
        raise DataError(f"no prices on or before {as_of.isoformat()}; the data starts {first}")
    available = set(history.close.columns[history.close.notna().any().to_numpy()])
    tickers = [t for t in settings.tickers if t in available]
    if not tickers:
        raise DataError(
            f"none of the configured tickers has prices on or before {as_of.isoformat()} "
            f"({', '.join(settings.tickers[:8])}...); check the source and newsletter.toml"
        )
    same = history.close.columns.tolist() == tickers  # skip a copy of the whole frame when possible
    close = history.close if same else history.close[tickers]
    adj = history.adj_close if same else history.adj_close[tickers]
    membership = group_index(settings)
    benchmarks = {t: membership[t][1].benchmark if t in membership else settings.benchmark for t in tickers}
    own_specs = [
        PairSpec(t, b, f"{t} vs {b}", membership[t][1].category if t in membership else "benchmark")
        for t, b in benchmarks.items()
        if b != t and b in available
    ]
    pair_specs = [
        PairSpec(p.long, p.short, p.label, p.category)
        for p in settings.pairs
        if p.long in available and p.short in available
    ]
    specs = list({s.key: s for s in [*own_specs, *pair_specs]}.values())
    relative, weekly_ratio = compute_relative(adj, specs, settings, as_of)
    rrg = (
        rrg_points(weekly_ratio[[s.key for s in own_specs]], own_specs, settings.signals.rrg)
        if own_specs
        else []
    )
    rrg_by_ticker = {p.ticker: p for p in rrg}
    inputs = InstrumentInputs(
        history=history, close=close, adj=adj, as_of=as_of, benchmarks=benchmarks, groups=membership
    )
    instruments = build_instruments(
        inputs,
        settings,
        relative={s.long: relative[s.key] for s in own_specs},
        rrg=rrg_by_ticker,
    )
    report = SignalReport(
        as_of=as_of,
        last_session=history.last_day,
        source_label=history.source_label,
        synthetic=history.synthetic,
        benchmark=settings.benchmark,
        instruments=instruments,
        pairs=[relative[s.key] for s in pair_specs],
        headlines=[],
        notes=list(history.notes),
        rrg=rrg,
        breadth=_breadth(settings, close, adj),
    )
    return SignalReport(**{**report.__dict__, "headlines": build_headlines(report, settings)})


def compute_relative(
    adj: pd.DataFrame, specs: list[PairSpec], settings: Settings, as_of: date
) -> tuple[dict[str, RelativeSignals], pd.DataFrame]:
    """RelativeSignals per pair key, and the weekly ratio frame (for the RRG)."""
    ratio = ratio_frame(adj, specs)
    weekly_ratio = weekly_levels(ratio, as_of)
    if not specs:
        return {}, weekly_ratio
    rel_settings = settings.signals.relative
    daily = daily_metrics(ratio, rel_settings)
    values = weekly_ratio.to_numpy(dtype="float64")
    weekly = weekly_metrics(values, rel_settings)
    params = relative_params(rel_settings, settings.signals.base)
    states, events = relative_events(values, dates_of(weekly_ratio.index), rel_settings, params)
    weekly_adj = weekly_levels(adj, as_of)
    correlations = correlation_signals(adj, weekly_adj, specs, settings.signals.correlation)
    history_weeks = np.sum(~np.isnan(values), axis=0)
    histories = ratio_histories(
        ratio,
        as_of,
        fast_days=rel_settings.sma_fast_days,
        slow_days=rel_settings.sma_slow_days,
        slope_days=rel_settings.sma_slope_days,
        extreme_weeks=rel_settings.multi_year_weeks,
    )
    built = build_relative(specs, daily, weekly, states, events, correlations, history_weeks, histories)
    return {s.key: r for s, r in zip(specs, built, strict=True)}, weekly_ratio


def _breadth(settings: Settings, close: pd.DataFrame, adj: pd.DataFrame) -> list[BreadthSnapshot]:
    """Breadth of each configured group and of every configured ETF together."""
    out = [
        breadth_snapshot(group.label, group.tickers, close, adj, settings.signals.breadth)
        for group in settings.groups.values()
    ]
    every = [t for g in settings.groups.values() for t in g.tickers]
    if len(settings.groups) > 1:
        out.append(breadth_snapshot("All ETFs", every, close, adj, settings.signals.breadth))
    return out


def group_index(settings: Settings) -> dict[str, tuple[str, GroupSettings]]:
    """Each grouped ticker's first group (as ``Settings.group_of``), built once."""
    out: dict[str, tuple[str, GroupSettings]] = {}
    for key, group in settings.groups.items():
        for ticker in group.tickers:
            out.setdefault(ticker, (key, group))
    return out
