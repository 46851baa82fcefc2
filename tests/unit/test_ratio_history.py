"""A ratio's weekly turns and extremes (generator.signals.ratio_history), on built series."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from generator.signals.ratio_history import ratio_histories

PARAMS = dict(fast_days=50, slow_days=200, slope_days=20, extreme_weeks=156)


def frame(values: np.ndarray, start: str = "2015-01-05") -> pd.DataFrame:
    days = pd.bdate_range(start, periods=len(values))
    return pd.DataFrame({"A/B": values}, index=days)


def last_friday(df: pd.DataFrame) -> date:
    day = df.index[-1].date()
    return day if day.weekday() == 4 else (df.index[-1] - pd.offsets.Week(weekday=4)).date()


def test_a_cross_above_the_200_day_average_counts_the_weeks_below_and_names_the_last_week_above():
    # 300 days flat at 1.0 (above an average that catches up), then a slide to 0.8 over 200 days,
    # then a climb: the ratio crosses back over its average at some week T.
    values = np.concatenate(
        [np.linspace(0.9, 1.0, 300), np.linspace(1.0, 0.8, 200), np.linspace(0.8, 1.1, 150)]
    )
    df = frame(values)
    weekly_days = [d for d in df.index if d.weekday() == 4]
    found = None
    for friday in weekly_days[60:]:
        (h,) = ratio_histories(df.loc[:friday], friday.date(), **PARAMS)
        crossings = {c.kind: c for c in h.crossings} if h else {}
        if "slow_average" in crossings and crossings["slow_average"].direction > 0:
            found = (friday.date(), h, crossings["slow_average"])
    assert found is not None
    day, h, cross = found
    assert h.above_slow and h.slow_side_weeks == 1 and cross.prior_weeks >= 20
    # The week before the run below began was above the average.
    slow = pd.Series(values, index=df.index).rolling(200).mean()
    weekly = pd.Series(values, index=df.index).resample("W-FRI").last()
    above = (weekly > slow.resample("W-FRI").last()).loc[: pd.Timestamp(day)]
    assert above.iloc[-1] and not above.iloc[-2]
    run_start = above.iloc[:-1][::-1].ne(False).idxmax()
    assert cross.last_same_day == run_start.date()


def test_a_history_reads_no_bar_after_its_week():
    rng = np.random.default_rng(5)
    values = np.exp(np.cumsum(rng.normal(0, 0.01, 900)))
    df = frame(values)
    friday = [d for d in df.index if d.weekday() == 4][120]
    (short,) = ratio_histories(df.loc[:friday], friday.date(), **PARAMS)
    (full,) = ratio_histories(df, friday.date(), **PARAMS)
    assert short == full
    # A Wednesday as-of drops the half week: the same as the Friday before.
    wednesday = friday + pd.Timedelta(days=5)
    (mid,) = ratio_histories(df.loc[:wednesday], wednesday.date(), **PARAMS)
    assert mid == short


def test_extremes_name_the_last_week_beyond_them():
    # A low in year 1 (0.5), a rise, then a fall to 0.6 in year 5 (the lowest since year 1).
    values = np.concatenate(
        [np.linspace(1.0, 0.5, 250), np.linspace(0.5, 1.2, 700), np.linspace(1.2, 0.6, 300), [0.6] * 5]
    )
    df = frame(values)
    friday = last_friday(df)
    (h,) = ratio_histories(df, friday, **PARAMS)
    assert h.low is not None and h.low.level == pytest.approx(0.6, abs=0.005)
    weekly = df["A/B"].resample("W-FRI").last()
    lower = weekly.loc[: pd.Timestamp(h.low.day) - pd.Timedelta(days=1)]
    assert h.low.since_day == lower[lower < h.low.level].index[-1].date()  # the climb out of year 1
    assert h.high is not None and h.high.kind == "high" and h.high.pct_from < 0
    early = df.iloc[:260]
    (first,) = ratio_histories(early, last_friday(early), **PARAMS)
    assert first.low is not None and first.low.since_day is None  # the lowest close in the data
    assert first.low.first_day == date(2015, 1, 9)


def test_the_largest_weekly_move_in_years_and_the_last_one_as_large():
    values = np.ones(700)
    values[100:105] = 1.08  # a +8% week early on
    values[105:] = 1.08
    values[600:] = 1.08 * 1.05  # +5% a long time later
    df = frame(values)
    week = df.index[600]
    friday = week + pd.Timedelta(days=(4 - week.weekday()) % 7)
    (h,) = ratio_histories(df.loc[:friday], friday.date(), **PARAMS)
    assert h.week_change_pct == pytest.approx(5.0, abs=0.01)
    assert h.week_change_since is not None and h.week_change_weeks is not None and h.week_change_weeks > 90
