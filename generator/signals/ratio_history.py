"""A ratio's turns and extremes, read on weekly closes over its whole history (LETTER.md: "a
ratio that turns").

For each pair ``R = long / short`` (adjusted closes), with each column's own valid days:

- daily ``SMA_50``, ``SMA_200`` and the 200-day average's slope ``100*(SMA_200,t/SMA_200,t-20 - 1)``,
  then every week's last session (W-FRI) of each;
- three sides per week: the ratio above its 200-day average (``R > SMA_200``), the 200-day
  average rising (slope > 0), the 50-day above the 200-day (``SMA_50 > SMA_200``). A
  ``Crossing`` is a side that changed this week, with how many weeks the ratio had spent on
  the other side and the last week it was on this side before that ("the first weekly close
  above its 200-day average since March 2024");
- the lowest and highest weekly close of the last ``extreme_weeks`` (``RatioExtreme``) and the
  last week before it that was beyond it ("its lowest close since 2000, set on ...");
- this week's change and the last week with a move at least as large in the same direction
  ("its best week since 2008").

Everything uses closes on or before the last week only (prefix-stable: the answer for week T
never reads a later bar).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from generator.signals.frames import dates_of

SIDES = ("slow_average", "slow_slope", "averages")


@dataclass(frozen=True)
class Crossing:
    """One side of the ratio that changed this week.

    ``kind``: ``slow_average`` (the ratio against its 200-day average), ``slow_slope`` (the
    200-day average turning up or down) or ``averages`` (the 50-day against the 200-day).
    """

    kind: str
    direction: int  # +1: now above / rising; -1: now below / falling
    prior_weeks: int  # weekly closes on the other side before this week
    last_same_day: date | None  # the last week on this side before that (None: not in the data)
    level: float | None  # the ratio's 200-day average this week (raw ratio units)


@dataclass(frozen=True)
class RatioExtreme:
    """The lowest (or highest) weekly close of the ratio over the lookback."""

    kind: str  # low or high
    day: date  # the week it was set
    level: float  # raw ratio
    weeks_ago: int
    pct_from: float  # 100 * (R_T / level - 1): how far this week's close is from it
    since_day: date | None  # the last earlier week beyond it (None: the extreme of all the data)
    first_day: date  # the ratio's first weekly close


@dataclass(frozen=True)
class RatioHistory:
    """A pair's weekly turns and extremes as of the last week (SIGNALS.md §1, LETTER.md)."""

    day: date  # the last weekly close's week (its Friday)
    crossings: list[Crossing]  # this week's
    slow_side_weeks: int  # weekly closes in a row on the current side of the 200-day average
    above_slow: bool | None  # this week's close is above its 200-day average
    slow_average: float | None  # this week's 200-day average (raw ratio)
    low: RatioExtreme | None
    high: RatioExtreme | None
    week_change_pct: float | None  # this week's change of the ratio
    week_change_since: date | None  # the last week with a move at least as large this way (None: never)
    week_change_weeks: int | None  # weeks back to it (None: never in the data)


def ratio_histories(
    ratio: pd.DataFrame,
    as_of: date,
    *,
    fast_days: int,
    slow_days: int,
    slope_days: int,
    extreme_weeks: int,
) -> list[RatioHistory | None]:
    """One RatioHistory per column of the daily ``ratio`` frame (None with fewer than two weeks).

    Weeks are completed W-FRI weeks up to ``as_of`` (a mid-week ``as_of`` drops its half week).
    """
    ratio = ratio.loc[ratio.index <= pd.Timestamp(as_of)]
    days = ratio.index.to_numpy().astype("datetime64[D]")
    weekday = (days.astype(np.int64) + 3) % 7
    labels = days + ((4 - weekday) % 7).astype("timedelta64[D]")
    values = ratio.to_numpy(dtype="float64")
    complete = labels <= np.datetime64(as_of, "D")
    values, labels = values[complete], labels[complete]
    return [
        _column(values[:, i], labels, fast_days, slow_days, slope_days, extreme_weeks)
        for i in range(values.shape[1])
    ]


def _rolling_mean(values: np.ndarray, window: int) -> np.ndarray:
    out = np.full(len(values), np.nan)
    if len(values) >= window:
        sums = np.concatenate([[0.0], np.cumsum(values)])
        out[window - 1 :] = (sums[window:] - sums[:-window]) / window
    return out


def _column(
    values: np.ndarray,
    labels: np.ndarray,
    fast_days: int,
    slow_days: int,
    slope_days: int,
    extreme_weeks: int,
) -> RatioHistory | None:
    valid = ~np.isnan(values)
    ratio = values[valid]
    week = labels[valid]
    if len(ratio) < 2:
        return None
    fast = _rolling_mean(ratio, fast_days)
    slow = _rolling_mean(ratio, slow_days)
    before = np.full(len(slow), np.nan)
    if slope_days <= 0:
        before = slow
    elif len(slow) > slope_days:
        before[slope_days:] = slow[:-slope_days]
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = 100.0 * (slow / before - 1.0)
    # The last session of each week.
    ends = np.append(np.flatnonzero(week[1:] != week[:-1]), len(week) - 1)
    weekly = ratio[ends]
    weeks = dates_of(pd.DatetimeIndex(week[ends]))
    slow_w, fast_w, slope_w = slow[ends], fast[ends], slope[ends]
    with np.errstate(invalid="ignore"):
        sides = {
            "slow_average": (weekly > slow_w, ~np.isnan(slow_w)),
            "slow_slope": (slope_w > 0, ~np.isnan(slope_w)),
            "averages": (fast_w > slow_w, ~np.isnan(slow_w)),
        }
    crossings = []
    for kind in SIDES:
        side, known = sides[kind]
        found = _crossing(kind, side, known, weeks)
        if found is not None:
            crossings.append(_with_level(found, slow_w[-1]))
    side, known = sides["slow_average"]
    change, since, back = _week_change(weekly, weeks)
    return RatioHistory(
        day=weeks[-1],
        crossings=crossings,
        slow_side_weeks=_run(side, known),
        above_slow=bool(side[-1]) if known[-1] else None,
        slow_average=float(slow_w[-1]) if known[-1] else None,
        low=_extreme("low", weekly, weeks, extreme_weeks),
        high=_extreme("high", weekly, weeks, extreme_weeks),
        week_change_pct=change,
        week_change_since=since,
        week_change_weeks=back,
    )


def _with_level(crossing: Crossing, slow: float) -> Crossing:
    level = None if np.isnan(slow) else float(slow)
    return Crossing(crossing.kind, crossing.direction, crossing.prior_weeks, crossing.last_same_day, level)


def _run(side: np.ndarray, known: np.ndarray) -> int:
    """Weekly closes in a row, ending this week, on this week's side (0 when unknown)."""
    if not len(side) or not known[-1]:
        return 0
    same = (side == side[-1]) & known
    return int(np.argmin(same[::-1])) if not same.all() else len(same)


def _crossing(kind: str, side: np.ndarray, known: np.ndarray, weeks: np.ndarray) -> Crossing | None:
    """The change of ``side`` in the last week, with the run it ended and the time since."""
    if len(side) < 2 or not (known[-1] and known[-2]) or side[-1] == side[-2]:
        return None
    other = _run(side[:-1], known[:-1])
    start = len(side) - 1 - other  # first week of the run on the other side
    prior = start - 1
    last_same = weeks[prior] if prior >= 0 and known[prior] and side[prior] == side[-1] else None
    return Crossing(kind, 1 if side[-1] else -1, other, last_same, None)


def _extreme(kind: str, weekly: np.ndarray, weeks: np.ndarray, lookback: int) -> RatioExtreme | None:
    """The lowest (``low``) or highest (``high``) weekly close of the last ``lookback`` weeks."""
    if len(weekly) < 2:
        return None
    window = weekly[-lookback:]
    offset = len(weekly) - len(window)
    row = offset + int(np.argmin(window) if kind == "low" else np.argmax(window))
    level = float(weekly[row])
    earlier = weekly[:row]
    beyond = np.flatnonzero(earlier < level) if kind == "low" else np.flatnonzero(earlier > level)
    return RatioExtreme(
        kind=kind,
        day=weeks[row],
        level=level,
        weeks_ago=len(weekly) - 1 - row,
        pct_from=round(100.0 * (float(weekly[-1]) / level - 1.0), 2),
        since_day=weeks[int(beyond[-1])] if len(beyond) else None,
        first_day=weeks[0],
    )


def _week_change(weekly: np.ndarray, weeks: np.ndarray) -> tuple[float | None, date | None, int | None]:
    """This week's change in %, and the last earlier week that moved at least as far the same way
    (its date and how many weeks back; None when no week did).
    """
    if len(weekly) < 2:
        return None, None, None
    changes = 100.0 * (weekly[1:] / weekly[:-1] - 1.0)
    now = float(changes[-1])
    earlier = changes[:-1]
    found = np.flatnonzero(earlier >= now) if now >= 0 else np.flatnonzero(earlier <= now)
    if not len(found):
        return round(now, 2), None, None
    row = int(found[-1]) + 1  # the week that move ended
    return round(now, 2), weeks[row], len(weekly) - 1 - row
