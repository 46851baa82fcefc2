"""Relative strength (SIGNALS.md §1): ratio metrics, trend state and relative breakouts.

All on adjusted closes (basis A), ``R = P / B`` on the days both legs closed, vectorised over
every pair at once. Daily metrics use each ratio's own last valid observations:

- ``vs_sma_fast_pct = 100*(R_t/SMA_50(R)_t - 1)``, ``vs_sma_slow_pct`` likewise with 200;
- ``sma_cross = sign(SMA_50 - SMA_200)``, ``sma_slow_slope_pct = 100*(SMA_200_t/SMA_200_{t-20} - 1)``;
- ``trend_slope_ann_pct``: OLS slope of ``ln R`` over 63 sessions x 252, in percent;
- ``range_pos_52w = (R_t - min_252)/(max_252 - min_252)``, ``at_52w_high = R_t >= max_252``;
- trend ``up``: R > SMA_200, SMA_200 rising and SMA_50 > SMA_200; ``down`` the mirror.

Weekly (completed W-FRI weeks): Mansfield ``100*(R_w/SMA_52w(R_w) - 1)``, the 13-week change,
and the events: a new 52-week relative closing high, a multi-year one (156 weeks, with at
least 104 weeks of history), a relative base breakout (the §3.3 detector at 20% depth), and
the failure of any of them (a weekly close 2% under the level within 8 weeks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from generator.config import BaseSettings, RelativeSettings
from generator.signals.frames import PairSpec, ols_slope, tail_block, window_mean
from generator.signals.levels import HighSpec, failed_high_events, new_high_events
from generator.signals.ratio_history import RatioHistory
from generator.signals.report import INSUFFICIENT, BaseState, CorrelationSignals, Event, RelativeSignals
from generator.signals.states import RELATIVE_KINDS, base_states

SESSIONS_PER_YEAR = 252
RANGE_DAYS = 252


def relative_params(relative: RelativeSettings, base: BaseSettings) -> BaseSettings:
    """The base detector for ratios: ``[signals.base]`` with a shallower depth and the relative
    failure rule of ``[signals.relative]`` (SIGNALS.md §1.3).
    """
    return base.model_copy(
        update={
            "max_depth_pct": relative.base_max_depth_pct,
            "min_weeks": relative.base_min_weeks,
            "breakout_buffer_pct": relative.breakout_buffer_pct,
            "fail_tol_pct": relative.fail_tol_pct,
            "fail_window_weeks": relative.fail_window_weeks,
        }
    )


def daily_metrics(ratio: pd.DataFrame, settings: RelativeSettings) -> dict[str, np.ndarray]:
    """The daily ratio metrics of every column at its last valid observation."""
    fast, slow, slope_days = settings.sma_fast_days, settings.sma_slow_days, settings.sma_slope_days
    length = max(settings.rebase_days, slow + slope_days, RANGE_DAYS, settings.trend_regression_days)
    block, counts = tail_block(ratio.to_numpy(dtype="float64"), length)
    last = block[-1]
    sma_fast = window_mean(block, fast)
    sma_slow = window_mean(block, slow)
    sma_slow_before = window_mean(block, slow, offset=slope_days)
    window = block[-RANGE_DAYS:]
    high, low = window.max(axis=0), window.min(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        range_pos = np.where(high > low, (last - low) / (high - low), np.nan)
        slope_pct = 100.0 * (sma_slow / sma_slow_before - 1.0)
        regression = np.log(block[-settings.trend_regression_days :])
    first_rebase = block[np.argmax(~np.isnan(block), axis=0), np.arange(block.shape[1])]
    up = (last > sma_slow) & (slope_pct > 0) & (sma_fast > sma_slow)
    down = (last < sma_slow) & (slope_pct < 0) & (sma_fast < sma_slow)
    trend = np.where(up, "up", np.where(down, "down", "neutral")).astype(object)
    trend[counts < slow + slope_days] = INSUFFICIENT
    return {
        "last": last,
        "rebased": 100.0 * last / first_rebase,
        "vs_fast": 100.0 * (last / sma_fast - 1.0),
        "vs_slow": 100.0 * (last / sma_slow - 1.0),
        "cross": np.sign(sma_fast - sma_slow),
        "slope": slope_pct,
        "trend_slope": 100.0 * SESSIONS_PER_YEAR * ols_slope(regression),
        "range_pos": range_pos,
        "at_high": np.where(np.isnan(high), np.nan, last >= high),
        "at_low": np.where(np.isnan(low), np.nan, last <= low),
        "trend": trend,
    }


def weekly_metrics(weekly: np.ndarray, settings: RelativeSettings) -> dict[str, np.ndarray]:
    """Mansfield RS and the 13-week change at the last completed week."""
    n = weekly.shape[0]
    mansfield = np.full(weekly.shape[1], np.nan)
    change = np.full(weekly.shape[1], np.nan)
    if n >= settings.mansfield_weeks:
        mansfield = 100.0 * (weekly[-1] / weekly[-settings.mansfield_weeks :].mean(axis=0) - 1.0)
    if n > 13:
        change = 100.0 * (weekly[-1] / weekly[-14] - 1.0)
    return {"mansfield": mansfield, "change_13w": change}


def relative_events(
    weekly: np.ndarray,
    weeks: np.ndarray,
    settings: RelativeSettings,
    params: BaseSettings,
) -> tuple[list[BaseState], list[list[Event]]]:
    """Per column: the relative base state and the relative events of the last ``hold_weeks``."""
    recent = params.hold_weeks
    specs = [
        HighSpec("rel_breakout_52w", settings.high_lookback_weeks),
        HighSpec("rel_breakout_multi_year", settings.multi_year_weeks, min_history_weeks=104),
    ]
    highs = [
        new_high_events(weekly, weeks, s, recent_weeks=recent, min_high_age_weeks=settings.min_high_age_weeks)
        for s in specs
    ]
    failures = [
        failed_high_events(
            weekly,
            weeks,
            h,
            kind="rel_breakout_failed",
            fail_tol_pct=settings.fail_tol_pct,
            fail_window_weeks=settings.fail_window_weeks,
        )
        for h in highs
    ]
    states, base_events = base_states(weekly, weeks, params, RELATIVE_KINDS)
    out: list[list[Event]] = []
    for col in range(weekly.shape[1]):
        events = [*base_events[col]]
        seen_failures = {e.day for e in events if e.kind == "rel_breakout_failed"}
        for group in (*highs, *failures):
            for event in group[col]:
                if event.kind == "rel_breakout_failed" and event.day in seen_failures:
                    continue  # one failure per week, the base's first
                seen_failures |= {event.day} if event.kind == "rel_breakout_failed" else set()
                events.append(event)
        out.append(sorted(events, key=lambda e: (e.weeks_ago, e.kind)))
    return states, out


def build_relative(
    specs: list[PairSpec],
    daily: dict[str, np.ndarray],
    weekly_values: dict[str, np.ndarray],
    states: list[BaseState],
    events: list[list[Event]],
    correlations: list[CorrelationSignals],
    history_weeks: np.ndarray,
    histories: Sequence[RatioHistory | None] | None = None,
) -> list[RelativeSignals]:
    """One RelativeSignals per spec from the column arrays (column i is ``specs[i]``)."""

    def num(values: np.ndarray, i: int, digits: int = 4) -> float | None:
        value = float(values[i])
        return None if np.isnan(value) else round(value, digits)

    def flag(values: np.ndarray, i: int) -> bool | None:
        value = float(values[i])
        return None if np.isnan(value) else bool(value)

    out: list[RelativeSignals] = []
    for i, spec in enumerate(specs):
        cross = num(daily["cross"], i)
        out.append(
            RelativeSignals(
                long=spec.long,
                short=spec.short,
                label=spec.label,
                category=spec.category,
                trend=str(daily["trend"][i]),
                ratio=num(daily["last"], i, 6),
                ratio_rebased=num(daily["rebased"], i, 2),
                vs_sma_fast_pct=num(daily["vs_fast"], i, 2),
                vs_sma_slow_pct=num(daily["vs_slow"], i, 2),
                sma_cross=None if cross is None else int(cross),
                sma_slow_slope_pct=num(daily["slope"], i, 3),
                trend_slope_ann_pct=num(daily["trend_slope"], i, 2),
                range_pos_52w=num(daily["range_pos"], i, 3),
                at_52w_high=flag(daily["at_high"], i),
                at_52w_low=flag(daily["at_low"], i),
                mansfield=num(weekly_values["mansfield"], i, 2),
                change_13w_pct=num(weekly_values["change_13w"], i, 2),
                history_weeks=int(history_weeks[i]),
                base=states[i],
                correlation=correlations[i],
                events=events[i],
                history=histories[i] if histories is not None else None,
            )
        )
    return out
