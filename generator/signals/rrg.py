"""Relative Rotation Graph (SIGNALS.md §2.3) on completed W-FRI weeks, vectorised over tickers.

``zscore`` (default, the RRG-Lite / RRGPy form), with ``w = window_weeks`` (14)::

    RS_t  = 100 * P_t / B_t
    RSR_t = 100 + (RS_t  - SMA_w(RS)_t)  / SD_w(RS)_t      (JdK RS-Ratio approximation)
    RSM_t = 100 + (RSR_t - SMA_w(RSR)_t) / SD_w(RSR)_t     (JdK RS-Momentum approximation)

SD is the rolling sample SD (ddof=1); a window with no variance (a flat ratio) gives NaN,
not a point. RRG-Lite's "ROC of RSR against a fixed base, then z-score" is a positive affine
map of RSR, so it gives the same RSM (tests/unit/test_rrg.py checks it).

``roc`` (schuler-ph, smoother, less comparable across assets), ``a = roc_ratio_weeks`` (12),
``b = roc_momentum_weeks`` (5)::

    RSR_t = SMA_a( 100 * RS_t / RS_{t-a+1} )
    RSM_t = SMA_b( 100 * RSR_t / RSR_{t-b+1} )

Quadrants (ties go to >=): Leading x>=100 & y>=100, Weakening x>=100 & y<100, Lagging both
below, Improving x<100 & y>=100. Heading is ``atan2(dy, dx)`` of the last step in degrees
(0-90 is north-east), velocity its length, tail length the sum of step lengths over the tail.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from generator.config import RRGSettings
from generator.signals.frames import PairSpec, dates_of, window_view
from generator.signals.report import INSUFFICIENT, RRGPoint, TailPoint

QUADRANTS = ("Leading", "Weakening", "Lagging", "Improving")
# Relative flatness below which a rolling SD counts as zero (pandas' rolling SD of a constant
# is ~1e-15, not 0); an absolute 1e-12 (SIGNALS.md) would depend on the ratio's scale.
FLAT_SD = 1e-10


HISTORY_WEEKS = 52  # how far back weeks_in_quadrant looks


def rrg_arrays(weekly_ratio: np.ndarray, settings: RRGSettings) -> tuple[np.ndarray, np.ndarray]:
    """RS-Ratio and RS-Momentum for every column of weekly ratios ``P/B`` (same shape, NaN warm-up)."""
    rs = 100.0 * weekly_ratio
    if settings.method == "roc":
        a, b = settings.roc_ratio_weeks, settings.roc_momentum_weeks
        ratio = rolling_mean(100.0 * rs / shift(rs, a - 1), a)
        return ratio, rolling_mean(100.0 * ratio / shift(ratio, b - 1), b)
    ratio = 100.0 + zscore(rs, settings.window_weeks)
    return ratio, 100.0 + zscore(ratio, settings.window_weeks)


def warmup_weeks(settings: RRGSettings) -> int:
    """Weeks of ratios before a point that the point depends on."""
    if settings.method == "roc":
        return 2 * (settings.roc_ratio_weeks - 1) + 2 * (settings.roc_momentum_weeks - 1)
    return 2 * (settings.window_weeks - 1)


def shift(values: np.ndarray, rows: int) -> np.ndarray:
    """``values`` moved down ``rows`` rows, NaN on top."""
    out = np.full_like(values, np.nan)
    out[rows:] = values[: values.shape[0] - rows]
    return out


def rolling_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of each ``window`` rows ending at each row (NaN until full or if any is missing)."""
    return window_view(values, window, values.shape[0]).mean(axis=2)


def zscore(values: np.ndarray, window: int) -> np.ndarray:
    """``(x - SMA_w(x)) / SD_w(x)`` with a rolling sample SD; NaN where the window is flat."""
    windows = window_view(values, window, values.shape[0])
    mean = windows.mean(axis=2)
    sd = windows.std(axis=2, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        flat = sd <= FLAT_SD * np.maximum(np.abs(mean), 1.0)
        return np.where(flat, np.nan, (values - mean) / sd)


def quadrant_codes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """0 Leading, 1 Weakening, 2 Lagging, 3 Improving, -1 where either value is missing."""
    right, up = x >= 100.0, y >= 100.0
    code = np.where(right, np.where(up, 0, 1), np.where(up, 3, 2))
    return np.where(np.isnan(x) | np.isnan(y), -1, code)


def rrg_points(weekly_ratio: pd.DataFrame, specs: list[PairSpec], settings: RRGSettings) -> list[RRGPoint]:
    """One point per spec (column i of ``weekly_ratio`` is ``specs[i]``) at the last week.

    Only the last ``HISTORY_WEEKS`` points and their warm-up are computed: a point depends on
    ``warmup_weeks`` ratios before it and no others.
    """
    keep = max(settings.tail_weeks, HISTORY_WEEKS) + warmup_weeks(settings)
    recent = weekly_ratio.iloc[-keep:]
    x, y = rrg_arrays(recent.to_numpy(dtype="float64"), settings)
    codes = quadrant_codes(x, y)
    weeks = dates_of(recent.index)
    return [_point(spec, x[:, i], y[:, i], codes[:, i], weeks, settings) for i, spec in enumerate(specs)]


def _point(
    spec: PairSpec,
    x: np.ndarray,
    y: np.ndarray,
    codes: np.ndarray,
    weeks: np.ndarray,
    settings: RRGSettings,
) -> RRGPoint:
    if not len(codes) or codes[-1] < 0:
        return RRGPoint(
            spec.long,
            spec.short,
            settings.method,
            None,
            None,
            INSUFFICIENT,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        )
    tail_rows = [r for r in range(max(0, len(codes) - settings.tail_weeks), len(codes)) if codes[r] >= 0]
    tail = [TailPoint(weeks[r], round(float(x[r]), 4), round(float(y[r]), 4)) for r in tail_rows]
    steps = [
        math.hypot(b.rs_ratio - a.rs_ratio, b.rs_momentum - a.rs_momentum)
        for a, b in zip(tail, tail[1:], strict=False)
    ]
    current = QUADRANTS[codes[-1]]
    previous = QUADRANTS[codes[-2]] if len(codes) > 1 and codes[-2] >= 0 else None
    same = codes[::-1] == codes[-1]
    weeks_in = int(len(same) if same.all() else np.argmin(same))
    heading = velocity = None
    if len(codes) > 1 and codes[-2] >= 0:
        dx, dy = float(x[-1] - x[-2]), float(y[-1] - y[-2])
        heading = round(math.degrees(math.atan2(dy, dx)) % 360.0, 1)
        velocity = round(math.hypot(dx, dy), 4)
    return RRGPoint(
        ticker=spec.long,
        benchmark=spec.short,
        method=settings.method,
        rs_ratio=round(float(x[-1]), 4),
        rs_momentum=round(float(y[-1]), 4),
        quadrant=current,
        previous_quadrant=previous,
        rotation=f"{previous} → {current}" if previous is not None and previous != current else None,
        weeks_in_quadrant=weeks_in,
        heading_deg=heading,
        velocity=velocity,
        tail_length=round(sum(steps), 4) if steps else None,
        distance=round(math.hypot(float(x[-1]) - 100.0, float(y[-1]) - 100.0), 4),
        tail=tail,
    )
