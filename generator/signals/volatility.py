"""Volatility contraction (SIGNALS.md §3.5) on quoted closes, vectorised over tickers.

- Bollinger width ``BBW_t = 4 * SD_20(C)_t / SMA_20(C)_t`` (sample SD, ddof=1), reported in
  percent; its rank is the share of the last ``bb_rank_days`` widths at or below today's,
  and ``contraction`` flags a rank of ``bb_rank_max`` (0.20) or less: "tightening".
- TTM squeeze, when the source has highs and lows: the 2-sigma Bollinger bands sit inside
  Keltner channels of ``keltner_atr_mult`` x ATR_20 around the same 20-day average, i.e.
  ``2*SD_20 < keltner_atr_mult * ATR_20`` with ``ATR_20 = SMA_20(true range)``.
"""

from __future__ import annotations

import numpy as np

from generator.config import VolatilitySettings
from generator.signals.frames import rolling_std, tail_block


def volatility_arrays(
    close: np.ndarray,
    high: np.ndarray | None,
    low: np.ndarray | None,
    settings: VolatilitySettings,
) -> dict[str, np.ndarray]:
    """Width (percent), width rank, contraction and squeeze per column at its last close."""
    days, rank_days = settings.bb_days, settings.bb_rank_days
    valid = ~np.isnan(close)
    block, _ = tail_block(close, days + rank_days - 1, valid)
    mean, sd = rolling_std(block, days)
    with np.errstate(invalid="ignore", divide="ignore"):
        width = 4.0 * sd / mean
        today = width[-1]
        rank = (width <= today).mean(axis=0)
    rank = np.where(np.isnan(width).any(axis=0), np.nan, rank)
    contraction = np.where(np.isnan(rank), np.nan, rank <= settings.bb_rank_max)
    squeeze = np.full(close.shape[1], np.nan)
    if high is not None and low is not None:
        squeeze = _squeeze(close, high, low, valid, sd[-1], settings)
    return {"width_pct": 100.0 * today, "rank": rank, "contraction": contraction, "squeeze": squeeze}


def _squeeze(
    close: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    valid: np.ndarray,
    sd_today: np.ndarray,
    settings: VolatilitySettings,
) -> np.ndarray:
    days = settings.bb_days
    c, _ = tail_block(close, days + 1, valid)
    h, _ = tail_block(high, days + 1, valid)
    lo, _ = tail_block(low, days + 1, valid)
    previous = c[:-1]
    true_range = np.maximum(h[1:] - lo[1:], np.maximum(np.abs(h[1:] - previous), np.abs(lo[1:] - previous)))
    atr = true_range.mean(axis=0)
    with np.errstate(invalid="ignore"):
        inside = 2.0 * sd_today < settings.keltner_atr_mult * atr
    return np.where(np.isnan(atr) | np.isnan(sd_today), np.nan, inside)
