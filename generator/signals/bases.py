"""The multi-year base detector (SIGNALS.md §3.3), vectorised over a weekly date x ticker array.

For a weekly close ``C_t`` the base is read from the closes before it, ``C[..t-1]``:

1. ``s0``: the earliest week such that ``(max - min)/max <= max_depth_pct/100`` over
   ``C[s0..t-1]`` (the walk back from ``t-1``).
2. Ceiling ``H = max(C[s0..t-1])``.
3. Base start ``s``: the first week in ``[s0, t-1]`` with ``C >= H*(1 - ceiling_tol_pct/100)``.
4. Floor ``F = min(C[s..t-1])``, ``depth = (H - F)/H``, ``length_weeks = t - s``.
5. Touches: episodes of ``C >= H*(1 - tol)`` in ``[s, t-1]``; a new episode starts only
   ``touch_gap_weeks`` or more after the previous near-ceiling week.
6. Valid when ``length_weeks >= min_weeks`` and ``touches >= min_touches``.
7. (Ours, not in SIGNALS.md) If the window is long enough but its ceiling is touched fewer
   than ``min_touches`` times, the ceiling is the end of a decline into the base, not a
   ceiling: drop the window through that first episode and repeat steps 2-6 (``_peel``),
   keeping a peeled window only when its base starts after a dip below its ceiling zone.

Why no per-bar walk: the walk back is the sequential part, and a Python loop over 3,000
tickers x 1,000 weeks is seconds. numba is not installed (and would be a heavy dependency
for one function), so the walk is done by binary lifting over a sparse table of block maxima
and minima: validity only worsens as the window grows (the max can only rise and the min
only fall), so the longest valid window is found with log2(n) whole-array steps, each over
every (week, ticker) queried at once. The same trick finds the base start (the first
near-ceiling week). Touches are counted over ragged per-query segments with one flat
``maximum.accumulate`` and ``add.reduceat``. ``tests/unit/test_bases.py`` checks the result
against a literal per-bar implementation of the steps above on random data.

Everything at row ``t`` uses rows ``<= t`` only, so evaluating a prefix of the array gives
the same answer as evaluating the whole array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.config import BaseSettings

# Chunk the ragged touch count so its index arrays stay small (elements per chunk).
_TOUCH_CHUNK = 4_000_000


def is_v(params: BaseSettings, closes: np.ndarray, ceiling: float, floor: float) -> bool:
    """True when the base ``closes`` (its weeks ``[s, t-1]``) is a sharp V, not a base.

    A V: depth ``(H - F) / H >= v_min_depth_pct``, fewer than ``v_max_base_weeks`` weeks,
    and every close under the range's midpoint ``(H + F) / 2`` within one stretch of at
    most ``v_max_weeks``: the range's lower half was visited once, on the way down and
    back. On the real ETFs this is the 2009, 2016, 2020 and April 2025 recoveries (IWM
    fell 25% from its November 2024 high by April and was back by September; XLE, XLF and
    XLY the same), while the long bases (SPY and QQQ 2021-2023, IWM 2021-2024, PSCI's
    2018-2020 range with the 2020 crash in it) keep their lower half for longer.
    """
    if ceiling <= 0 or len(closes) >= params.v_max_base_weeks:
        return False
    if 100.0 * (ceiling - floor) / ceiling < params.v_min_depth_pct:
        return False
    with np.errstate(invalid="ignore"):
        deep = np.flatnonzero(closes < (ceiling + floor) / 2.0)
    return len(deep) > 0 and int(deep[-1] - deep[0]) + 1 <= params.v_max_weeks


def base_wording(params: BaseSettings, length_weeks: int) -> str:
    """The wording class of a base: base, multi-year base or massive base."""
    if length_weeks >= params.massive_weeks:
        return "massive base"
    if length_weeks >= params.multi_year_weeks:
        return "multi-year base"
    return "base"


@dataclass(frozen=True)
class BaseArrays:
    """The detector at each queried row (shape ``(len(rows), tickers)``); see the module doc."""

    rows: np.ndarray  # the queried row numbers t
    start: np.ndarray  # s (row number), -1 where there is no window
    ceiling: np.ndarray  # H, NaN where there is no window
    floor: np.ndarray  # F
    length_weeks: np.ndarray  # t - s, 0 where there is no window
    touches: np.ndarray  # 0 unless length_weeks >= min_weeks
    valid: np.ndarray  # bool


def sparse_tables(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Block maxima and minima: ``MX[k, i] = max(C[i .. i + 2**k - 1])`` (NaN past the end).

    NaN propagates, so any block holding a missing week is NaN and never counts as valid.
    """
    n = values.shape[0]
    levels = max(1, int(n).bit_length())
    mx = np.full((levels, *values.shape), np.nan)
    mn = np.full((levels, *values.shape), np.nan)
    mx[0], mn[0] = values, values
    for k in range(1, levels):
        half = 1 << (k - 1)
        span = n - (1 << k) + 1
        if span <= 0:
            break
        mx[k, :span] = np.maximum(mx[k - 1, :span], mx[k - 1, half : half + span])
        mn[k, :span] = np.minimum(mn[k - 1, :span], mn[k - 1, half : half + span])
    return mx, mn


def detect_bases(
    closes: np.ndarray, rows: np.ndarray, params: BaseSettings, needed: np.ndarray | None = None
) -> BaseArrays:
    """Run steps 1-7 of the module doc for every column at each of ``rows`` (t >= 1).

    ``needed`` (bool, ``(len(rows), columns)``) limits steps 5-7, the costly ones, to the
    entries a caller reads ``touches`` and ``valid`` of; elsewhere touches are 0 and valid
    is False. ``candidate_rows`` gives the entries a breakout can happen at.
    """
    values = np.asarray(closes, dtype="float64")
    n, m = values.shape
    rows = np.asarray(rows, dtype=np.int64)
    tables = sparse_tables(values)
    shape = (len(rows), m)
    last = np.repeat(rows - 1, m)  # b = t - 1, one entry per (row, column)
    col = np.tile(np.arange(m), len(rows))
    has_prior = last >= 0
    last = np.maximum(last, 0)
    start, ceiling = _walk_back(values, tables, last, col, params)
    window = has_prior & ~np.isnan(ceiling)
    ceiling = np.where(window, ceiling, np.nan)
    counted = window if needed is None else window & np.asarray(needed).reshape(-1)
    base = _Base(start, ceiling, *_base_from(values, tables, start, last, col, ceiling, counted, params))
    _peel(values, tables, base, last, col, counted, params)
    floor = np.where(window, _range(tables[1], base.base_start, last, col, np.minimum), np.nan)
    valid = counted & (base.length >= params.min_weeks) & (base.touches >= params.min_touches)
    return BaseArrays(
        rows,
        np.where(window, base.base_start, -1).reshape(shape),
        base.ceiling.reshape(shape),
        floor.reshape(shape),
        np.where(window, base.length, 0).reshape(shape),
        base.touches.reshape(shape),
        valid.reshape(shape),
    )


def candidate_rows(closes: np.ndarray, rows: np.ndarray, params: BaseSettings) -> np.ndarray:
    """Entries where a breakout is possible, plus the last row (for the state).

    A valid base is at least ``min_weeks`` long and its window ends at ``t - 1``, so its
    ceiling is at least the highest of the ``min_weeks`` closes before ``t``: a breakout needs
    ``C_t > max(C_{t-min_weeks..t-1}) * (1 + buffer)``, a ``min_weeks``-week closing high.
    """
    values = np.asarray(closes, dtype="float64")
    prior = np.vstack([np.full((1, values.shape[1]), np.nan), values[:-1]])
    highs = np.lib.stride_tricks.sliding_window_view(
        np.vstack([np.full((params.min_weeks - 1, values.shape[1]), np.nan), prior]), params.min_weeks, axis=0
    )[rows]
    with np.errstate(invalid="ignore"):
        needed = values[rows] > np.fmax.reduce(highs, axis=2) * (1.0 + params.breakout_buffer_pct / 100.0)
    needed[rows == values.shape[0] - 1] = True
    return needed


@dataclass
class _Base:
    """Per-entry working arrays of the detector (entries are flattened (row, column) pairs)."""

    start: np.ndarray  # s0
    ceiling: np.ndarray  # H
    base_start: np.ndarray  # s
    length: np.ndarray  # b - s + 1
    touches: np.ndarray
    first_end: np.ndarray  # last row of the first touch episode (-1 when not counted)


def _walk_back(
    values: np.ndarray,
    tables: tuple[np.ndarray, np.ndarray],
    last: np.ndarray,
    col: np.ndarray,
    params: BaseSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """Step 1 by binary lifting: the longest window ``[s0, b]`` with ``min >= (1 - depth) * max``."""
    mx, mn = tables
    keep = 1.0 - params.max_depth_pct / 100.0
    start = last.copy()
    hi = values[last, col]
    lo = hi.copy()
    for k in range(mx.shape[0] - 1, -1, -1):
        cand = start - (1 << k)
        inside = cand >= 0
        safe = np.where(inside, cand, 0)
        new_hi = np.maximum(hi, mx[k][safe, col])
        new_lo = np.minimum(lo, mn[k][safe, col])
        ok = inside & (new_lo >= keep * new_hi)
        start = np.where(ok, cand, start)
        hi = np.where(ok, new_hi, hi)
        lo = np.where(ok, new_lo, lo)
    return start, hi


def _base_from(
    values: np.ndarray,
    tables: tuple[np.ndarray, np.ndarray],
    start: np.ndarray,
    last: np.ndarray,
    col: np.ndarray,
    ceiling: np.ndarray,
    window: np.ndarray,
    params: BaseSettings,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Steps 3-5 for windows ``[start, last]`` with ceiling H: s, length, touches, first episode end."""
    threshold = ceiling * (1.0 - params.ceiling_tol_pct / 100.0)
    base_start = _first_at_least(tables[0], start, last, col, threshold, ~np.isnan(ceiling))
    length = np.where(window, last - base_start + 1, 0)
    touches = np.zeros(len(last), dtype=np.int64)
    first_end = np.full(len(last), -1, dtype=np.int64)
    counted = window & (length >= params.min_weeks)
    if counted.any():
        touches[counted], first_end[counted] = _count_touches(
            values,
            base_start[counted],
            length[counted],
            col[counted],
            threshold[counted],
            params.touch_gap_weeks,
        )
    return base_start, length, touches, first_end


def _peel(
    values: np.ndarray,
    tables: tuple[np.ndarray, np.ndarray],
    base: _Base,
    last: np.ndarray,
    col: np.ndarray,
    window: np.ndarray,
    params: BaseSettings,
) -> None:
    """Step 7: a ceiling touched fewer than ``min_touches`` times is a falling leg, not a ceiling.

    A base that follows a decline (ARKX after 2022, small caps vs large after 2021) pulls the
    end of the decline into the window of step 1, and the decline's highest close becomes a
    "ceiling" touched once. Drop the window up to the end of that first episode and read
    H, s and touches again from the rest, while it is still ``min_weeks`` long. A peeled
    window counts only if its base starts after a dip below the new threshold (``s > s0``):
    otherwise its first touch is the same fall passing through a lower level. Each round
    drops at least one week and H never rises, so the loop ends; in practice it takes a few
    rounds. A base that passes steps 1-6 is never changed.
    """
    pending = np.flatnonzero(window & (base.length >= params.min_weeks) & (base.touches < params.min_touches))
    while len(pending):
        start = base.first_end[pending] + 1
        stop = last[pending]
        cols = col[pending]
        inside = start <= stop
        start = np.minimum(start, stop)
        ceiling = _range(tables[0], start, stop, cols, np.maximum)
        found = _base_from(values, tables, start, stop, cols, ceiling, inside, params)
        base_start, length, touches, first_end = found
        long_enough = inside & (length >= params.min_weeks)
        # A window whose first week is already near its new ceiling is the same fall, still
        # going: its "first touch" is the decline passing through. Peel again.
        done = long_enough & (touches >= params.min_touches) & (base_start > start)
        commit = pending[done]
        base.start[commit], base.ceiling[commit] = start[done], ceiling[done]
        base.base_start[commit], base.length[commit], base.touches[commit] = (
            base_start[done],
            length[done],
            touches[done],
        )
        again = long_enough & ~done
        base.first_end[pending[again]] = first_end[again]
        pending = pending[again]


def _range(table: np.ndarray, lo: np.ndarray, hi: np.ndarray, col: np.ndarray, op: np.ufunc) -> np.ndarray:
    """``op`` (max or min) over rows ``[lo, hi]`` from two overlapping sparse-table blocks."""
    span = np.maximum(hi - lo + 1, 1)
    k = np.floor(np.log2(span)).astype(np.int64)
    right = np.maximum(hi - (1 << k) + 1, 0)
    return op(table[k, lo, col], table[k, right, col])


def _first_at_least(
    mx: np.ndarray, lo: np.ndarray, hi: np.ndarray, col: np.ndarray, threshold: np.ndarray, active: np.ndarray
) -> np.ndarray:
    """First row in ``[lo, hi]`` with ``C >= threshold``, by jumping over blocks whose max is below it."""
    n = mx.shape[1]
    pos = lo.copy()
    for k in range(mx.shape[0] - 1, -1, -1):
        step = 1 << k
        fits = pos + step - 1 <= hi
        block = mx[k][np.minimum(pos, n - 1), col]
        pos = np.where(active & fits & (block < threshold), pos + step, pos)
    return pos


def _count_touches(
    values: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    cols: np.ndarray,
    thresholds: np.ndarray,
    gap_weeks: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Episodes of ``C >= threshold`` in each segment ``[start, start + length)`` of column ``col``,
    and the last row of each segment's first episode.
    """
    touches = np.empty(len(starts), dtype=np.int64)
    first_end = np.empty(len(starts), dtype=np.int64)
    bounds = np.cumsum(lengths)
    first = 0
    while first < len(starts):
        # Segments whose elements fit in one chunk (at least one segment per chunk).
        base = bounds[first - 1] if first else 0
        stop = max(first + 1, int(np.searchsorted(bounds, base + _TOUCH_CHUNK, side="right")))
        part = slice(first, stop)
        touches[part], first_end[part] = _touch_chunk(
            values, starts[part], lengths[part], cols[part], thresholds[part], gap_weeks
        )
        first = stop
    return touches, first_end


def _touch_chunk(
    values: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    cols: np.ndarray,
    thresholds: np.ndarray,
    gap_weeks: int,
) -> tuple[np.ndarray, np.ndarray]:
    count = len(starts)
    offsets = np.cumsum(lengths) - lengths
    segment = np.repeat(np.arange(count), lengths)
    local = np.arange(int(lengths.sum())) - offsets[segment]
    near = values[starts[segment] + local, cols[segment]] >= thresholds[segment]
    # The previous near-ceiling week of the same segment: a running max of local positions,
    # lifted by segment * stride so no segment sees an earlier one.
    stride = int(lengths.max()) + 2
    lift = segment * stride
    running = np.maximum.accumulate(np.where(near, local, -1) + lift)
    previous = np.empty_like(running)
    previous[0] = -1
    previous[1:] = running[:-1]
    previous = np.maximum(previous, lift - 1) - lift  # -1: no near week yet in this segment
    episode = near & ((previous < 0) | (local - previous >= gap_weeks))
    touches = np.add.reduceat(episode.astype(np.int64), offsets)
    # Episode number of each element; the first episode's last near week per segment.
    number = np.cumsum(episode) - np.repeat(np.cumsum(episode)[offsets] - episode[offsets], lengths)
    in_first = near & (number == 1)
    first_end = np.maximum.reduceat(np.where(in_first, local, -1), offsets)
    return touches, starts + first_end
