"""Array helpers: the numpy weekly resample equals pandas', and packed tails skip gaps."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from generator.data.prices import weekly_last
from generator.signals.frames import fill_inside, tail_block, weekly_closes


@pytest.mark.parametrize("as_of", [None, date(2024, 3, 27), date(2024, 3, 29), date(2024, 3, 28)])
def test_weekly_closes_equal_pandas_resample(as_of):
    days = pd.bdate_range("2023-01-02", "2024-04-12", name="date").as_unit("ns")
    days = days[days != pd.Timestamp("2024-03-29")]  # Good Friday: the week closes on Thursday
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(len(days), 3)).cumsum(axis=0), index=days, columns=["A", "B", "C"])
    frame.iloc[:40, 1] = np.nan  # a late listing
    frame.iloc[100:106, 2] = np.nan  # a whole week missing in one column
    cut = frame if as_of is None else frame.loc[frame.index <= pd.Timestamp(as_of)]
    pd.testing.assert_frame_equal(weekly_closes(cut, as_of), weekly_last(cut, as_of), check_freq=False)


def test_tail_block_packs_each_columns_last_valid_values():
    values = np.array([[1.0, 10.0], [2.0, np.nan], [np.nan, 30.0], [4.0, 40.0]])
    block, counts = tail_block(values, 3)
    np.testing.assert_array_equal(block, [[1.0, 10.0], [2.0, 30.0], [4.0, 40.0]])
    assert list(counts) == [3, 3]
    short, _ = tail_block(values, 4)
    assert np.isnan(short[0]).all()


def test_fill_inside_stops_at_each_columns_last_value():
    values = np.array([[np.nan, 1.0], [2.0, np.nan], [np.nan, 3.0], [4.0, np.nan]])
    np.testing.assert_array_equal(fill_inside(values), [[np.nan, 1.0], [2.0, 1.0], [2.0, 3.0], [4.0, np.nan]])
