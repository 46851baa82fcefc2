"""Correlation and beta of two legs (SIGNALS.md §4.1), vectorised over every pair.

Returns are log returns on adjusted closes, ``r = ln(C_t / C_{t-1})``, over the days both legs
closed (an inner join; a missing day is skipped, never filled):

- ``corr_by_days[n]``: Pearson correlation of the last ``n`` daily returns (63 and 252);
- ``beta = cov(r_long, r_short) / var(r_short)`` over ``beta_days`` (252);
- ``rel_vol = SD(r_long) / SD(r_short)`` over the first correlation window;
- ``corr_weekly``: the correlation of the last ``corr_weeks`` W-FRI log returns, which is
  free of the noise of asynchronous closes;
- ``corr_rank_pct``: the percentile of today's first-window correlation among its values
  over the last ``rank_days`` (1260, five years): ``100 * share(values <= today)``. Small
  caps track the market closely, so the level says little; its rank says whether they are
  unusually independent (TrendLabs' "less correlated" claim).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.config import CorrelationSettings
from generator.signals.frames import PairSpec, column_chunks, columns, rolling_corr, tail_block
from generator.signals.report import CorrelationSignals


def correlation_signals(
    adj_close: pd.DataFrame,
    weekly_adj: pd.DataFrame,
    specs: list[PairSpec],
    settings: CorrelationSettings,
) -> list[CorrelationSignals]:
    """Correlation, beta and their rank for every pair (one entry per spec, in order)."""
    if not specs:
        return []
    out: list[CorrelationSignals] = []
    for part in column_chunks(len(specs)):
        out.extend(_chunk(adj_close, weekly_adj, specs[part], settings))
    return out


def _chunk(
    adj_close: pd.DataFrame, weekly_adj: pd.DataFrame, specs: list[PairSpec], settings: CorrelationSettings
) -> list[CorrelationSignals]:
    windows = sorted(set(settings.corr_days))
    first_window = settings.corr_days[0]
    length = max(settings.rank_days + first_window, max(windows), settings.beta_days) + 1
    longs = columns(adj_close, [s.long for s in specs])
    shorts = columns(adj_close, [s.short for s in specs])
    joint = ~np.isnan(longs) & ~np.isnan(shorts)
    packed_long, _ = tail_block(longs, length, joint)
    packed_short, _ = tail_block(shorts, length, joint)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_long = np.diff(np.log(packed_long), axis=0)
        r_short = np.diff(np.log(packed_short), axis=0)
    by_days = {str(w): _last_corr(r_long, r_short, w) for w in windows}
    series = rolling_corr(
        r_long[-(settings.rank_days + first_window - 1) :],
        r_short[-(settings.rank_days + first_window - 1) :],
        first_window,
    )
    today = series[-1]
    with np.errstate(invalid="ignore"):
        rank = 100.0 * (series <= today).mean(axis=0)
    rank = np.where(np.isnan(series).any(axis=0), np.nan, rank)
    beta, rel_vol = _beta(r_long, r_short, settings.beta_days), _rel_vol(r_long, r_short, first_window)
    weekly = _weekly_corr(weekly_adj, specs, settings.corr_weeks)
    out = []
    for i in range(len(specs)):
        out.append(
            CorrelationSignals(
                corr_by_days={k: _num(v[i]) for k, v in by_days.items()},
                corr_weekly=_num(weekly[i]),
                beta=_num(beta[i]),
                rel_vol=_num(rel_vol[i]),
                corr_rank_pct=_num(rank[i], 1),
            )
        )
    return out


def _num(value: float, digits: int = 4) -> float | None:
    return None if np.isnan(value) else round(float(value), digits)


def _last_corr(x: np.ndarray, y: np.ndarray, window: int) -> np.ndarray:
    return rolling_corr(x[-window:], y[-window:], window)[-1]


def _beta(x: np.ndarray, y: np.ndarray, window: int) -> np.ndarray:
    """``cov(x, y) / var(y)`` over the last ``window`` rows (NaN if any is missing)."""
    xs, ys = x[-window:], y[-window:]
    xd, yd = xs - xs.mean(axis=0), ys - ys.mean(axis=0)
    var = (yd * yd).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(var > 0, (xd * yd).sum(axis=0) / var, np.nan)


def _rel_vol(x: np.ndarray, y: np.ndarray, window: int) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        sd_y = y[-window:].std(axis=0, ddof=1)
        return np.where(sd_y > 0, x[-window:].std(axis=0, ddof=1) / sd_y, np.nan)


def _weekly_corr(weekly_adj: pd.DataFrame, specs: list[PairSpec], weeks: int) -> np.ndarray:
    longs = columns(weekly_adj, [s.long for s in specs])
    shorts = columns(weekly_adj, [s.short for s in specs])
    joint = ~np.isnan(longs) & ~np.isnan(shorts)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_long, _ = tail_block(np.log(longs), weeks + 1, joint)
        log_short, _ = tail_block(np.log(shorts), weeks + 1, joint)
    return _last_corr(np.diff(log_long, axis=0), np.diff(log_short, axis=0), weeks)
