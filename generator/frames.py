"""Per-ticker bar columns to wide date x ticker frames, fast.

``pd.DataFrame(dict_of_series)`` aligns thousands of indexes one by one; this builds the union
of all dates once and scatters each ticker's values into preallocated arrays, which is what
lets a 3,000-ticker x 20-year store load in seconds (bench/bench_store.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Columns:
    """One ticker's bars as raw arrays: int64 nanosecond dates and float64 columns."""

    dates_ns: np.ndarray
    values: Mapping[str, np.ndarray]


def columns_of(frame: pd.DataFrame, names: Sequence[str]) -> Columns:
    """The arrays of a bar frame (missing columns come back all-NaN)."""
    index = pd.DatetimeIndex(frame.index).as_unit("ns")
    values = {
        n: frame[n].to_numpy(dtype="float64") if n in frame else np.full(len(frame), np.nan) for n in names
    }
    return Columns(index.asi8, values)


def stack_wide(
    per_ticker: Mapping[str, Columns], names: Sequence[str]
) -> tuple[pd.DatetimeIndex, dict[str, np.ndarray]]:
    """The union of all dates and, per column name, a (dates x tickers) float64 array.

    Tickers keep the mapping's order; a ticker without a bar on a date holds NaN there.
    """
    tickers = list(per_ticker)
    if not tickers:
        return pd.DatetimeIndex([], name="date").as_unit("ns"), {n: np.empty((0, 0)) for n in names}
    all_dates = np.unique(np.concatenate([per_ticker[t].dates_ns for t in tickers]))
    out = {n: np.full((len(all_dates), len(tickers)), np.nan) for n in names}
    for j, ticker in enumerate(tickers):
        cols = per_ticker[ticker]
        rows = np.searchsorted(all_dates, cols.dates_ns)
        for n in names:
            out[n][rows, j] = cols.values[n]
    index = pd.DatetimeIndex(all_dates.view("datetime64[ns]"), name="date")
    return index, out


def wide_frame(index: pd.DatetimeIndex, array: np.ndarray, tickers: Sequence[str]) -> pd.DataFrame:
    """A date x ticker DataFrame around an array (no copy)."""
    frame = pd.DataFrame(array, index=index, columns=pd.Index(list(tickers)), copy=False)
    frame.columns.name = None
    return frame
