"""Breadth over any ticker list (SIGNALS.md §4.2): the ETF groups, or a screened stock universe.

On the as-of session ``T`` (the last date of the frames), a ticker counts when it has at
least ``min_history_days`` closes and a bar on ``T``; the others are listed in ``excluded``.
Over the counted tickers:

- ``pct_above_sma[n] = 100 * #(A_T > SMA_n(A)_T) / #counted`` on adjusted closes (50, 200);
- ``pct_above_rising_sma``, the "JC breadth" (are there more good charts than bad?): above
  the slow SMA *and* that SMA higher than ``sma_slope_days`` sessions ago;
- new highs / lows on quoted closes: ``C_T >= max(C_{T-251..T})`` / ``<= min(...)``;
  ``net_new_highs = NH - NL`` and ``net_new_highs_pct = 100 * (NH - NL) / #counted``;
- High-Low Index: the mean over the last ``hilo_index_smooth_days`` sessions of
  ``100 * NH / (NH + NL)`` (days with neither are skipped; NaN if all are).

Prices are forward-filled across a missing day inside a ticker's history for these level
comparisons (a last close is still the level a chart shows); returns are never filled.
A universe built from today's members carries survivorship bias in past breadth.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from generator.config import BreadthSettings
from generator.signals.frames import columns, fill_inside, window_mean, window_view
from generator.signals.report import BreadthSnapshot

WEEK_SESSIONS = 5


def breadth_snapshot(
    label: str,
    tickers: Sequence[str],
    close: pd.DataFrame,
    adj_close: pd.DataFrame,
    settings: BreadthSettings,
) -> BreadthSnapshot:
    """Breadth of ``tickers`` on the last session of ``close`` (frames already cut at the as-of)."""
    members = [t for t in dict.fromkeys(tickers)]
    present = [t for t in members if t in close.columns]
    slow = max(settings.sma_days)
    lookback = 4 * WEEK_SESSIONS
    rows = max(slow + settings.sma_slope_days, settings.hilo_lookback_days) + settings.hilo_index_smooth_days
    rows += lookback
    history = close[present].count().to_numpy() if present else np.zeros(0, dtype=int)
    quoted = columns(close.iloc[-rows:], present)  # the rows needed, before any column copy
    adjusted = columns(adj_close.iloc[-rows:], present)
    on_session = ~np.isnan(quoted[-1]) if len(quoted) else np.zeros(len(present), dtype=bool)
    eligible = on_session & (history >= settings.min_history_days)
    excluded = sorted(set(members) - {t for t, ok in zip(present, eligible, strict=True) if ok})
    quoted_tail = _filled(quoted)
    adjusted_tail = _filled(adjusted)
    count = int(eligible.sum())

    def pct(mask: np.ndarray) -> float | None:
        return None if count == 0 else round(100.0 * float((mask & eligible).sum()) / count, 2)

    above: dict[str, float | None] = {}
    last = adjusted_tail[-1]
    with np.errstate(invalid="ignore"):
        for days in sorted(set(settings.sma_days)):
            above[str(days)] = pct(last > window_mean(adjusted_tail, days))
        slow_now = window_mean(adjusted_tail, slow)
        slow_then = window_mean(adjusted_tail, slow, offset=settings.sma_slope_days)
        rising = (last > slow_now) & (slow_now > slow_then)
        enough = adjusted_tail.shape[0] > lookback
        before = (
            adjusted_tail[-1 - lookback] > window_mean(adjusted_tail, slow, offset=lookback)
            if enough
            else None
        )
    highs, lows = _new_highs_lows(quoted_tail, settings.hilo_lookback_days, settings.hilo_index_smooth_days)
    nh = int((highs[-1] & eligible).sum())
    nl = int((lows[-1] & eligible).sum())
    return BreadthSnapshot(
        label=label,
        members=len(members),
        eligible=count,
        excluded=excluded,
        pct_above_sma=above,
        pct_above_rising_sma=pct(rising),
        new_highs=nh if count else None,
        new_lows=nl if count else None,
        net_new_highs=nh - nl if count else None,
        net_new_highs_pct=round(100.0 * (nh - nl) / count, 2) if count else None,
        high_low_index=_high_low_index(highs, lows, eligible, settings.hilo_index_smooth_days),
        pct_above_slow_sma_4w_ago=pct(before) if before is not None else None,
    )


def _filled(block: np.ndarray) -> np.ndarray:
    """Carry a close across missing days inside each column's history (not past its last bar)."""
    return fill_inside(block)


def _new_highs_lows(block: np.ndarray, days: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of the last ``rows`` rows: close at its ``days``-session high / low (full window)."""
    windows = window_view(block, days, rows)
    current = window_view(block, 1, rows)[:, :, 0]  # the same rows, NaN-padded when history is short
    with np.errstate(invalid="ignore"):
        return current >= windows.max(axis=2), current <= windows.min(axis=2)


def _high_low_index(highs: np.ndarray, lows: np.ndarray, eligible: np.ndarray, days: int) -> float | None:
    """Mean of ``100 * NH / (NH + NL)`` over the last ``days`` sessions, counted tickers only."""
    nh = (highs[-days:] & eligible).sum(axis=1).astype("float64")
    nl = (lows[-days:] & eligible).sum(axis=1).astype("float64")
    total = nh + nl
    if not (total > 0).any():
        return None
    return round(float(np.mean(100.0 * nh[total > 0] / total[total > 0])), 2)
