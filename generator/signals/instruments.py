"""Per-ETF signals: levels and bases on quoted closes, returns on adjusted closes.

Levels (basis B) follow SIGNALS.md §3.2, all on weekly closes (the week's last close): the
all-time high is the highest weekly close since the first bar, the 52-week high the highest
of the last 52, and ``at_ath``, the bases and the breakout events read the same closes. One
definition for every level of an issue: a fund is never "at its high" in a table while the
prose has it under a ceiling, as happened when the high was the highest daily close (an
intraweek close above the Friday close). Returns ``change_Nw_pct = 100*(A_w,t / A_w,t-N - 1)``
use weekly adjusted closes (basis A).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from generator.config import GroupSettings, Settings
from generator.data.prices import PriceHistory
from generator.signals.frames import dates_of, last_valid_index, tail_block, weekly_levels
from generator.signals.levels import ath_specs, new_high_events, weekly_ath_state
from generator.signals.report import (
    Event,
    InstrumentSignals,
    RelativeSignals,
    RRGPoint,
    VolatilitySignals,
)
from generator.signals.states import base_states
from generator.signals.volatility import volatility_arrays

WEEKS_PER_YEAR = 52


@dataclass(frozen=True)
class InstrumentInputs:
    """The frames every instrument signal reads (already cut at the as-of date)."""

    history: PriceHistory
    close: pd.DataFrame
    adj: pd.DataFrame
    as_of: date
    benchmarks: dict[str, str]
    groups: dict[str, tuple[str, GroupSettings]]  # ticker -> (group key, group)


def level_events(weekly_close: np.ndarray, weeks: np.ndarray, settings: Settings) -> list[list[Event]]:
    """All-time and N-year high events of the last ``hold_weeks`` per column.

    An N-year high in the same week as an all-time high says nothing more, so it is kept
    but not notable.
    """
    base = settings.signals.base
    per_spec = [
        new_high_events(
            weekly_close,
            weeks,
            spec,
            recent_weeks=base.hold_weeks,
            min_high_age_weeks=base.min_high_age_weeks,
        )
        for spec in ath_specs(base.ath_years)
    ]
    out: list[list[Event]] = []
    for col in range(weekly_close.shape[1]):
        ath_days = {e.day for e in per_spec[0][col]}
        events = list(per_spec[0][col])
        for spec_events in per_spec[1:]:
            for event in spec_events[col]:
                if event.day in ath_days:
                    event = Event(**{**event.__dict__, "notable": False})
                events.append(event)
        out.append(events)
    return out


def build_instruments(
    inputs: InstrumentInputs,
    settings: Settings,
    *,
    relative: dict[str, RelativeSignals],
    rrg: dict[str, RRGPoint],
) -> dict[str, InstrumentSignals]:
    """InstrumentSignals for every column of ``inputs.close``, in column order."""
    tickers = inputs.close.columns.tolist()
    names: dict[str, str] = {}  # as Settings.name_of: the first group naming the ticker
    for group in settings.groups.values():
        for ticker, name in group.names.items():
            names.setdefault(ticker, name)
    weekly_close = weekly_levels(inputs.close, inputs.as_of)
    weekly_adj = weekly_levels(inputs.adj, inputs.as_of)
    wc = weekly_close.to_numpy(dtype="float64")
    wa = weekly_adj.to_numpy(dtype="float64")
    weeks = dates_of(weekly_close.index)
    states, base_events = base_states(wc, weeks, settings.signals.base)
    levels = level_events(wc, weeks, settings)
    at_weekly_ath, weeks_since_ath = weekly_ath_state(wc)
    record_weeks = _record_weeks(wc)
    daily = _daily_levels(inputs.close)
    highs = _weekly_highs(wc)
    vol = volatility_arrays(
        inputs.close.to_numpy(dtype="float64"),
        _aligned(inputs.history.high, inputs.close),
        _aligned(inputs.history.low, inputs.close),
        settings.signals.volatility,
    )
    changes = {weeks_back: _change(wa, weeks_back) for weeks_back in (1, 13, 52)}
    big_rows = _last_move_as_large(wa)
    history_weeks = np.sum(~np.isnan(wc), axis=0)
    out: dict[str, InstrumentSignals] = {}
    for i, ticker in enumerate(tickers):
        if daily["last_row"][i] < 0:
            continue
        found = inputs.groups.get(ticker)
        benchmark = inputs.benchmarks[ticker]
        events = sorted([*levels[i], *base_events[i]], key=lambda e: (e.weeks_ago, e.kind))
        out[ticker] = InstrumentSignals(
            ticker=ticker,
            name=names.get(ticker, ticker),
            group=found[0] if found else None,
            category=found[1].category if found else "benchmark",
            benchmark=benchmark if benchmark != ticker else None,
            first_bar=_day(inputs.close.index, daily["first_row"][i]),
            last_bar=_day(inputs.close.index, daily["last_row"][i]),
            stale=bool(len(wc) == 0 or np.isnan(wc[-1, i])),
            history_weeks=int(history_weeks[i]),
            last_close=round(float(daily["last"][i]), 4),
            change_1w_pct=_num(changes[1][i]),
            change_13w_pct=_num(changes[13][i]),
            change_52w_pct=_num(changes[52][i]),
            ath_level=_num(highs["ath"][i], 4),
            ath_day=weeks[int(highs["ath_row"][i])] if highs["ath_row"][i] >= 0 else None,
            pct_from_ath=_num(100.0 * (highs["last"][i] / highs["ath"][i] - 1.0)),
            at_ath=bool(at_weekly_ath[i]),
            weeks_since_ath=int(weeks_since_ath[i]) if weeks_since_ath[i] >= 0 else None,
            high_52w=_num(highs["high_52w"][i], 4),
            pct_from_52w_high=_num(100.0 * (highs["last"][i] / highs["high_52w"][i] - 1.0)),
            one_close=ticker in inputs.history.one_close,
            relative=relative.get(ticker),
            base=states[i],
            volatility=_volatility(vol, i),
            rrg=rrg.get(ticker),
            events=events,
            record_weeks=int(record_weeks[i]),
            week_change_since=weeks[int(big_rows[i])] if big_rows[i] >= 0 else None,
            week_change_weeks=len(weeks) - 1 - int(big_rows[i]) if big_rows[i] >= 0 else None,
        )
    return out


def _last_move_as_large(weekly: np.ndarray) -> np.ndarray:
    """Per column, the row of the last earlier week whose change was at least as large as this
    week's in the same direction (-1: none in the data; -2: no change this week).

    ``r_t = A_t / A_{t-1} - 1`` on weekly adjusted closes; for a gain, the last ``r_j >= r_T``
    with ``j < T``, for a loss the last ``r_j <= r_T``.
    """
    n, m = weekly.shape
    out = np.full(m, -2, dtype=np.int64)
    if n < 3:
        return out
    with np.errstate(invalid="ignore", divide="ignore"):
        changes = weekly[1:] / weekly[:-1] - 1.0
    now = changes[-1]
    earlier = changes[:-1]
    with np.errstate(invalid="ignore"):
        as_large = np.where(now >= 0, earlier >= now, earlier <= now)
    found = as_large.any(axis=0)
    last = earlier.shape[0] - 1 - np.argmax(as_large[::-1], axis=0)
    out = np.where(found, last + 1, -1)  # change j ends at weekly row j + 1
    return np.where(np.isnan(now), -2, out)


def _record_weeks(weekly: np.ndarray) -> np.ndarray:
    """Weekly closes in a row, ending with the last, each at the all-time high (0 when the last is not)."""
    if weekly.shape[0] == 0:
        return np.zeros(weekly.shape[1], dtype=np.int64)
    running = np.fmax.accumulate(weekly, axis=0)
    with np.errstate(invalid="ignore"):
        at = weekly >= running
    return np.cumprod(at[::-1], axis=0).sum(axis=0)


def _daily_levels(close: pd.DataFrame) -> dict[str, np.ndarray]:
    """Last close and the first/last bar rows (daily, quoted)."""
    values = close.to_numpy(dtype="float64")
    valid = ~np.isnan(values)
    any_valid = valid.any(axis=0)
    last_row = last_valid_index(values)
    cols = np.arange(values.shape[1])
    return {
        "last": np.where(last_row >= 0, values[np.maximum(last_row, 0), cols], np.nan),
        "last_row": last_row,
        "first_row": np.where(any_valid, np.argmax(valid, axis=0), -1),
    }


def _weekly_highs(weekly: np.ndarray) -> dict[str, np.ndarray]:
    """On weekly closes: the last one, the all-time high and its row, the 52-week high.

    The 52-week high needs 52 weekly closes; the last weekly close is NaN for a fund with no
    bar in the as-of week (stale), so its distances are NaN too.
    """
    m = weekly.shape[1]
    if weekly.shape[0] == 0:
        empty = np.full(m, np.nan)
        return {"last": empty, "ath": empty, "ath_row": np.full(m, -1), "high_52w": empty}
    valid = ~np.isnan(weekly)
    any_valid = valid.any(axis=0)
    filled = np.where(valid, weekly, -np.inf)
    block, counts = tail_block(weekly, WEEKS_PER_YEAR)
    return {
        "last": weekly[-1],
        "ath": np.where(any_valid, filled.max(axis=0), np.nan),
        "ath_row": np.where(any_valid, np.argmax(filled, axis=0), -1),
        "high_52w": np.where(counts >= WEEKS_PER_YEAR, block.max(axis=0), np.nan),
    }


def _change(weekly: np.ndarray, weeks_back: int) -> np.ndarray:
    if weekly.shape[0] <= weeks_back:
        return np.full(weekly.shape[1], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100.0 * (weekly[-1] / weekly[-1 - weeks_back] - 1.0)


def _aligned(frame: pd.DataFrame | None, like: pd.DataFrame) -> np.ndarray | None:
    if frame is None or not set(like.columns) <= set(frame.columns):
        return None
    values = frame.reindex(index=like.index, columns=like.columns).to_numpy(dtype="float64")
    return None if np.isnan(values).all() else values


def _volatility(vol: dict[str, np.ndarray], i: int) -> VolatilitySignals:
    def flag(value: float) -> bool | None:
        return None if np.isnan(value) else bool(value)

    return VolatilitySignals(
        bb_width_pct=_num(vol["width_pct"][i], 3),
        bb_width_rank=_num(vol["rank"][i], 3),
        contraction=flag(float(vol["contraction"][i])),
        squeeze=flag(float(vol["squeeze"][i])),
    )


def _num(value: float, digits: int = 2) -> float | None:
    value = float(value)
    return None if np.isnan(value) or np.isinf(value) else round(value, digits)


def _day(index: pd.Index, row: int) -> date:
    return pd.Timestamp(index[int(row)]).date()
