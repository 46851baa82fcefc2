"""Shared array helpers: pair specs, ratio frames, packed tails and window statistics.

Daily statistics "as of the last bar" (a 200-day average, a 63-day correlation) are taken over
each column's own last N valid observations, as if the column had been ``dropna()``-ed first.
``tail_block`` packs those observations bottom-aligned into one small array, so a missing day
in one ticker neither blanks a 200-day window nor shifts another ticker's window, and every
statistic is then one numpy reduction over all columns at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from generator.data.prices import weekly_last

# Whole-array steps work on blocks of this many columns, so temporaries stay near
# rows x COLUMN_CHUNK floats (20 years of days: 20 MB) however wide the universe is.
COLUMN_CHUNK = 512


def column_chunks(count: int, size: int = COLUMN_CHUNK) -> list[slice]:
    """Slices covering ``count`` columns in blocks of ``size``."""
    return [slice(lo, min(lo + size, count)) for lo in range(0, count, size)]


@dataclass(frozen=True)
class PairSpec:
    """Two instruments read as a ratio ``long / short`` (a configured pair or ETF vs benchmark)."""

    long: str
    short: str
    label: str
    category: str

    @property
    def key(self) -> str:
        """``LONG/SHORT``: the column name of the pair's ratio."""
        return f"{self.long}/{self.short}"


def ratio_frame(adj_close: pd.DataFrame, specs: list[PairSpec]) -> pd.DataFrame:
    """``R = P / B`` per pair on adjusted closes; NaN unless both legs closed (an inner join)."""
    values = np.empty((len(adj_close.index), len(specs)))
    for part in column_chunks(len(specs)):
        longs = columns(adj_close, [s.long for s in specs[part]])
        shorts = columns(adj_close, [s.short for s in specs[part]])
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(longs, shorts, out=values[:, part])
    return pd.DataFrame(values, index=adj_close.index, columns=[s.key for s in specs], copy=False)


def weekly_closes(frame: pd.DataFrame, as_of: date | None = None) -> pd.DataFrame:
    """``prices.weekly_last`` (``resample("W-FRI").last()``, completed weeks) without pandas' resampler.

    Each row's Friday label is its date plus ``(4 - weekday) % 7`` days; a week's value is the
    column's last non-NaN close in that week, NaN when it has none. Same index and values as
    ``weekly_last`` (tests/unit/test_frames.py checks it); about 20x faster on a 40-column frame.
    """
    if not len(frame.index):
        return weekly_last(frame, as_of)
    days = frame.index.to_numpy().astype("datetime64[D]")
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    labels = days + ((4 - weekday) % 7).astype("timedelta64[D]")
    values = frame.to_numpy(dtype="float64")
    n, m = values.shape
    ends = np.append(np.flatnonzero(labels[1:] != labels[:-1]), n - 1)
    starts = np.concatenate([[0], ends[:-1] + 1])
    grid = np.arange(labels[0], labels[-1] + 1, 7)
    out = np.full((len(grid), m), np.nan)
    slots = ((labels[ends] - labels[0]) // 7).astype(np.int64)
    for part in column_chunks(m):
        block = values[:, part]
        latest = forward_index(block)[ends]
        cols = np.arange(block.shape[1])
        picked = np.where(latest >= starts[:, None], block[np.maximum(latest, 0), cols], np.nan)
        out[slots, part] = picked
    cut = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(frame.index[-1])
    keep = grid <= np.datetime64(cut.date(), "D")
    unit = getattr(frame.index, "unit", "ns")
    index = pd.DatetimeIndex(grid[keep].astype(f"datetime64[{unit}]"), name=frame.index.name)
    return pd.DataFrame(out[keep], index=index, columns=frame.columns, copy=False)


def forward_index(values: np.ndarray) -> np.ndarray:
    """For each cell, the row of the latest non-NaN value at or above it in its column (-1: none)."""
    rows = np.arange(values.shape[0])[:, None]
    return np.maximum.accumulate(np.where(np.isnan(values), -1, rows), axis=0)


def fill_inside(values: np.ndarray) -> np.ndarray:
    """Carry the last value across NaN gaps inside each column's history, not past its end."""
    latest = forward_index(values)
    filled = np.where(latest >= 0, values[np.maximum(latest, 0), np.arange(values.shape[1])], np.nan)
    last = last_valid_index(values)
    return np.where(np.arange(values.shape[0])[:, None] <= last, filled, np.nan)


def weekly_levels(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Completed-week closes, a missing week inside a column's history carried from the week before."""
    weekly = weekly_closes(frame, as_of)
    return pd.DataFrame(fill_inside(weekly.to_numpy()), index=weekly.index, columns=weekly.columns)


def dates_of(index: pd.Index) -> np.ndarray:
    """The dates of a DatetimeIndex as an object array of ``datetime.date`` (cheap to index)."""
    return np.asarray(index.to_numpy().astype("datetime64[D]").astype(object))


def columns(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """The float values of ``names`` (columns of ``frame``, repeats allowed), without pandas indexing."""
    positions = frame.columns.get_indexer(pd.Index(names))
    if (positions < 0).any():
        raise KeyError(f"no column {', '.join(n for n, p in zip(names, positions, strict=True) if p < 0)}")
    return frame.to_numpy(dtype="float64")[:, positions]


def window_view(values: np.ndarray, window: int, rows: int) -> np.ndarray:
    """Windows of ``window`` rows ending at each of the last ``rows`` rows: shape (rows, cols, window).

    Windows that would start before row 0 are NaN-padded. A view where possible; no copy of
    the data beyond the padding.
    """
    need = rows + window - 1
    block = (
        values[-need:]
        if values.shape[0] >= need
        else np.vstack([np.full((need - values.shape[0], values.shape[1]), np.nan), values])
    )
    return np.lib.stride_tricks.sliding_window_view(block, window, axis=0)


def tail_block(
    values: np.ndarray, length: int, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The last ``length`` valid values of each column, bottom-aligned and NaN-padded on top.

    Valid means non-NaN (or ``mask`` when given, so several frames pack on the same rows).
    Also returns each column's number of valid values in all of ``values``.
    """
    valid = ~np.isnan(values) if mask is None else mask
    counts = valid.sum(axis=0)
    n, m = values.shape
    # Most columns have no gaps near the end: pack from a short tail when it holds enough.
    rows = min(n, length + 64)
    while True:
        part = valid[n - rows :]
        in_part = part.sum(axis=0)
        if rows == n or bool(np.all(in_part >= np.minimum(counts, length))):
            break
        rows = min(n, rows * 4)
    part_values = values[n - rows :]
    rank = in_part - np.cumsum(part, axis=0)  # 0 for each column's last valid row
    keep = part & (rank < length)
    r, c = np.nonzero(keep)
    out = np.full((length, m), np.nan)
    out[length - 1 - rank[r, c], c] = part_values[r, c]
    return out, counts


def window_mean(block: np.ndarray, window: int, offset: int = 0) -> np.ndarray:
    """Mean of the ``window`` values ending ``offset`` rows before the last (NaN if any is missing)."""
    end = block.shape[0] - offset
    if window > end or window <= 0:
        return np.full(block.shape[1], np.nan)
    return block[end - window : end].mean(axis=0)


def rolling_sums(block: np.ndarray, window: int) -> np.ndarray:
    """Sums of every ``window`` consecutive rows (row i: rows i..i+window-1); NaN if any is NaN."""
    missing = np.isnan(block)
    zero = np.zeros((1, block.shape[1]))
    if not missing.any():
        plain = np.vstack([zero, np.cumsum(block, axis=0)])
        return plain[window:] - plain[:-window]
    sums = np.vstack([zero, np.cumsum(np.where(missing, 0.0, block), axis=0)])
    gaps = np.vstack([zero, np.cumsum(missing, axis=0)])
    out = sums[window:] - sums[:-window]
    return np.where(gaps[window:] - gaps[:-window] > 0, np.nan, out)


def rolling_corr(x: np.ndarray, y: np.ndarray, window: int) -> np.ndarray:
    """Pearson correlation of every ``window`` consecutive rows, columnwise (ddof cancels).

    Computed from demeaned running sums; a window with no variance is NaN.
    """
    with np.errstate(invalid="ignore"):
        x = x - _column_mean(x)
        y = y - _column_mean(y)
    n = float(window)
    sx, sy = rolling_sums(x, window), rolling_sums(y, window)
    sxx, syy, sxy = rolling_sums(x * x, window), rolling_sums(y * y, window), rolling_sums(x * y, window)
    cov = sxy - sx * sy / n
    var_x = sxx - sx * sx / n
    var_y = syy - sy * sy / n
    with np.errstate(invalid="ignore", divide="ignore"):
        tiny = 1e-14 * np.maximum(sxx, syy)
        out = np.where((var_x > tiny) & (var_y > tiny), cov / np.sqrt(var_x * var_y), np.nan)
    return np.clip(out, -1.0, 1.0)


def rolling_std(block: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Rolling mean and sample standard deviation (ddof=1) of every ``window`` consecutive rows."""
    center = _column_mean(block)
    x = block - center
    s = rolling_sums(x, window)
    ss = rolling_sums(x * x, window)
    var = np.maximum(ss - s * s / window, 0.0) / (window - 1)
    return s / window + center, np.sqrt(var)


def ols_slope(block: np.ndarray) -> np.ndarray:
    """Least-squares slope of each column against 0, 1, ..., rows-1 (NaN if any value is missing)."""
    x = np.arange(block.shape[0], dtype="float64")
    x -= x.mean()
    return (x[:, None] * (block - block.mean(axis=0))).sum(axis=0) / float((x * x).sum())


def last_valid_index(values: np.ndarray) -> np.ndarray:
    """Row of each column's last non-NaN value (-1 for an empty column)."""
    valid = ~np.isnan(values)
    n = values.shape[0]
    last = n - 1 - np.argmax(valid[::-1], axis=0)
    return np.where(valid.any(axis=0), last, -1)


def _column_mean(block: np.ndarray) -> np.ndarray:
    """Mean of the non-NaN values of each column (0 for an all-NaN column), without warnings."""
    valid = ~np.isnan(block)
    total = np.where(valid, block, 0.0).sum(axis=0)
    return total / np.maximum(valid.sum(axis=0), 1)
