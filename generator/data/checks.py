"""Data checks: what is wrong with the bars before anything downstream sees them (pure).

Every finding is a DataNote naming the ticker and the date, so the fetch summary can list it
and an issue can carry it as a "data note" (DESIGN.md principle 4). ``note.day`` is the day
the finding became knowable, so ``PriceHistory.as_of`` never shows an issue a note about
bars it could not have seen.

Checks and formulas (thresholds in ``[fetch]``, ``config.FetchSettings``; defaults tuned on
../shared/data):

- ``stale``: the last bar is more than ``stale_after_sessions`` sessions before the reference
  session (the last completed session for a live source, else the newest bar of the set).
- ``gap``: more than ``max_gap_sessions`` consecutive exchange sessions without a bar.
- ``missing_sessions``: shorter runs of missing sessions, one note per month.
- ``non_positive``: a price <= 0.
- ``bad_print``: a one-day move far out of line with the series and the market that reverses
  the next session. With ``r_t = ln(C_t / C_{t-1})`` on quoted closes, the market move
  ``m_t`` = cross-sectional median of ``r_t`` (when >= ``min_cross_section`` tickers traded),
  ``e_t = r_t - m_t`` and ``s_t = 1.4826 * median(|e|)`` over the previous
  ``vol_window_sessions`` (at least 0.2% a day), a print is flagged when
  ``|e_t| > bad_print_sigma * s_t`` and ``|e_t| > bad_print_min_move_pct``, and either the
  next return reverses it (opposite sign, ``|r_{t+1}| >= bad_print_revert_frac * |r_t|``) or
  it is the last bar (then it is reported as unconfirmed).
- ``flat``: the close unchanged for ``flat_run_sessions`` bars or more (carried-forward quotes).
- ``basis_mismatch``: the two closes disagree. With ``q = adj_close / close``, which only steps
  up at ex-dividend dates: ``q > 1 + basis_drift_pct``, a one-day fall of ``ln q`` by more
  than ``basis_drift_pct``, or a one-day rise by more than ``basis_jump_pct`` (a split or a
  dividend applied to one basis only).
- ``not_daily``: bars spaced a week or more apart (monthly data); gap checks skip it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import numpy as np
import pandas as pd

from generator.config import FetchSettings
from generator.data.frames import columns_of, stack_wide
from generator.data.prices import DataNote
from generator.errors import DataError

DAY_NS = 86_400_000_000_000


# Bad prints (not settings: they shape the robust scale, not what counts as out of line).
VOL_WINDOW_SESSIONS = 63  # the median absolute excess return is taken over this many sessions
MIN_CROSS_SECTION = 5  # the market move needs at least this many tickers trading that day
MIN_DAILY_VOL = 0.002  # floor of the robust daily scale (0.2%), so a flat series is not hair-trigger


def check_bars(
    bars: Mapping[str, pd.DataFrame],
    *,
    sessions: pd.DatetimeIndex | None,
    reference_day: date | None = None,
    one_close: Iterable[str] = (),
    limits: FetchSettings | None = None,
) -> list[DataNote]:
    """Every finding about ``bars`` (per-ticker normalised frames), sorted by ticker and day.

    ``sessions`` is the exchange calendar the bars should follow (None: weekdays); ``limits``
    the thresholds of ``[fetch]`` (its defaults without one).
    """
    limits = limits or FetchSettings()
    tickers = [t for t, f in bars.items() if len(f)]
    if not tickers:
        return []
    names = ("close", "adj_close", "open", "high", "low")
    index, arrays = stack_wide({t: columns_of(bars[t], names) for t in tickers}, names)
    close = arrays["close"]
    daily = _daily_mask(index, close)
    notes: list[DataNote] = []
    for j, ticker in enumerate(tickers):
        if not daily[j]:
            notes.append(DataNote(ticker, "not_daily", "bars are a week or more apart; gap checks skipped"))
    notes += _non_positive(index, arrays, tickers)
    calendar = sessions if sessions is not None else _weekdays(index)
    notes += _missing(index, close, tickers, calendar, daily, limits)
    notes += _stale(index, close, tickers, calendar, reference_day, daily, limits)
    notes += _bad_prints(index, close, tickers, daily, limits)
    notes += _flat(index, close, tickers, limits)
    skip = set(one_close)
    notes += _basis(index, close, arrays["adj_close"], tickers, skip, limits)
    return sorted(notes, key=lambda n: (n.ticker, n.day or date.min, n.kind, n.message))


def bars_after(index: pd.DatetimeIndex, today: date) -> pd.DatetimeIndex:
    """The dates of ``index`` after ``today`` (pure; today is the caller's clock, read at the edge).

    No market has closed on a day that has not come yet: such a bar is a date typo or a
    source's error, and is refused where bars enter the store and where the store is read.
    """
    return index[index > pd.Timestamp(today)]


def future_bars(close: pd.DataFrame, today: date) -> dict[str, date]:
    """Ticker -> its first bar dated after ``today``, for the columns of a wide frame that have one."""
    later = close.loc[close.index > pd.Timestamp(today)]
    held = later.notna().to_numpy()
    found: dict[str, date] = {}
    for j, ticker in enumerate(later.columns):
        rows = np.flatnonzero(held[:, j])
        if len(rows):
            found[str(ticker)] = _day(pd.DatetimeIndex(later.index), rows[0])
    return found


def refuse_future_bars(close: pd.DataFrame, today: date, source: str) -> None:
    """DataError when stored closes run past ``today`` (fetched by an older version, or copied in):
    drafting, scoring or a signal report from them would read days that have not come.
    """
    found = future_bars(close, today)
    if found:
        listed = ", ".join(f"{t} ({d.isoformat()})" for t, d in sorted(found.items()))
        raise DataError(
            f"the price store of {source} holds bars dated after today ({today.isoformat()}): {listed}; "
            f"fix the dates at the source, then run `rotation fetch --source {source} --full "
            f"--tickers {','.join(sorted(found))}`"
        )


def _day(index: pd.DatetimeIndex, row: int | np.integer) -> date:
    return pd.Timestamp(index[int(row)]).date()


def _weekdays(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return pd.bdate_range(index[0], index[-1], name="date").as_unit("ns")


def _daily_mask(index: pd.DatetimeIndex, close: np.ndarray) -> np.ndarray:
    """Per ticker: True when its median spacing between bars is under a week."""
    days = index.asi8 // DAY_NS
    out = np.ones(close.shape[1], dtype=bool)
    for j in range(close.shape[1]):
        valid = days[~np.isnan(close[:, j])]
        if len(valid) > 2:
            out[j] = float(np.median(np.diff(valid))) < 6.5
    return out


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of True down each column of a 2-D mask: (column, first row, length)."""
    if mask.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    padded = np.zeros((mask.shape[1], mask.shape[0] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask.T
    edges = np.diff(padded, axis=1)
    start_col, start_row = np.nonzero(edges == 1)
    _, end_row = np.nonzero(edges == -1)
    return start_col, start_row, end_row - start_row


def _by_month(ticker: str, kind: str, days: list[date], what: str) -> list[DataNote]:
    """One note per calendar month listing the days (the note's day is the month's last)."""
    months: dict[tuple[int, int], list[date]] = {}
    for d in days:
        months.setdefault((d.year, d.month), []).append(d)
    notes = []
    for group in months.values():
        listed = ", ".join(d.isoformat() for d in group[:8]) + (", ..." if len(group) > 8 else "")
        notes.append(DataNote(ticker, kind, f"{what} on {len(group)} day(s): {listed}", group[-1]))
    return notes


def _non_positive(
    index: pd.DatetimeIndex, arrays: Mapping[str, np.ndarray], tickers: list[str]
) -> list[DataNote]:
    notes: list[DataNote] = []
    for name in ("close", "adj_close", "open", "high", "low"):
        rows, cols = np.nonzero(arrays[name] <= 0)
        for j in np.unique(cols):
            days = [_day(index, r) for r in rows[cols == j]]
            notes += _by_month(tickers[j], "non_positive", days, f"{name} is zero or negative")
    return notes


def _missing(
    index: pd.DatetimeIndex,
    close: np.ndarray,
    tickers: list[str],
    calendar: pd.DatetimeIndex,
    daily: np.ndarray,
    limits: FetchSettings,
) -> list[DataNote]:
    """Sessions without a bar inside each ticker's own first..last range."""
    present = ~np.isnan(close)
    positions = calendar.searchsorted(index)
    on_calendar = (positions < len(calendar)) & (
        calendar.asi8[np.minimum(positions, len(calendar) - 1)] == index.asi8
    )
    grid = np.zeros((len(calendar), close.shape[1]), dtype=bool)
    grid[positions[on_calendar]] = present[on_calendar]
    first = np.where(present.any(axis=0), present.argmax(axis=0), len(index) - 1)
    last = len(index) - 1 - present[::-1].argmax(axis=0)
    lo = calendar.searchsorted(index[first])
    hi = calendar.searchsorted(index[last], side="right")
    rows = np.arange(len(calendar))[:, None]
    missing = ~grid & (rows >= lo[None, :]) & (rows < hi[None, :]) & daily[None, :]
    cols, starts, lengths = _runs(missing)
    notes: list[DataNote] = []
    short: dict[int, list[date]] = {}
    for j, start, length in zip(cols, starts, lengths, strict=True):
        begin = _day(calendar, start)
        if length > limits.max_gap_sessions:
            end = _day(calendar, start + length - 1)
            notes.append(
                DataNote(
                    tickers[j],
                    "gap",
                    f"no bars for {length} sessions, {begin.isoformat()} to {end.isoformat()}",
                    begin,
                )
            )
        else:
            short.setdefault(int(j), []).extend(_day(calendar, start + k) for k in range(length))
    for j, days in short.items():
        notes += _by_month(tickers[j], "missing_sessions", days, "no bar for an exchange session")
    return notes


def _stale(
    index: pd.DatetimeIndex,
    close: np.ndarray,
    tickers: list[str],
    calendar: pd.DatetimeIndex,
    reference_day: date | None,
    daily: np.ndarray,
    limits: FetchSettings,
) -> list[DataNote]:
    present = ~np.isnan(close)
    last_rows = len(index) - 1 - present[::-1].argmax(axis=0)
    last_days = index[last_rows]
    reference = pd.Timestamp(reference_day) if reference_day is not None else last_days.max()
    behind = calendar.searchsorted(reference, side="right") - calendar.searchsorted(last_days, side="right")
    notes = []
    for j, ticker in enumerate(tickers):
        if daily[j] and behind[j] > limits.stale_after_sessions:
            notes.append(
                DataNote(
                    ticker,
                    "stale",
                    f"last bar {_day(index, last_rows[j]).isoformat()} is {behind[j]} sessions behind "
                    f"{reference.date().isoformat()}",
                    reference.date(),
                )
            )
    return notes


def _returns(close: np.ndarray) -> np.ndarray:
    """Log return against each ticker's previous bar (NaN where there is no bar)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(np.where(close > 0, close, np.nan))
    prev = pd.DataFrame(logs).ffill().shift(1).to_numpy()
    return logs - prev


def _bad_prints(
    index: pd.DatetimeIndex, close: np.ndarray, tickers: list[str], daily: np.ndarray, limits: FetchSettings
) -> list[DataNote]:
    r = _returns(close)
    traded = ~np.isnan(r)
    market = np.zeros(len(index))
    enough = traded.sum(axis=1) >= MIN_CROSS_SECTION
    if enough.any():
        market[enough] = np.nanmedian(r[enough], axis=1)
    excess = r - market[:, None]
    scale = (
        pd.DataFrame(np.abs(excess))
        .rolling(VOL_WINDOW_SESSIONS, min_periods=20)
        .median()
        .shift(1)
        .to_numpy()
    )
    scale = np.maximum(1.4826 * scale, MIN_DAILY_VOL)
    min_move = limits.bad_print_min_move_pct / 100
    with np.errstate(invalid="ignore"):
        candidate = (np.abs(excess) > limits.bad_print_sigma * scale) & (np.abs(excess) > min_move)
        candidate &= np.abs(r) > min_move  # a quiet fund on a crash day is not a bad print
    candidate &= daily[None, :]
    following = pd.DataFrame(r).shift(-1).bfill().to_numpy()
    last_row = len(index) - 1 - traded[::-1].argmax(axis=0)
    notes = []
    for t, j in zip(*np.nonzero(candidate), strict=True):
        move = float(np.expm1(r[t, j]) * 100)
        size = float(abs(excess[t, j]) / scale[t, j])
        print_day = _day(index, t)
        if t == last_row[j]:
            notes.append(
                DataNote(
                    tickers[j],
                    "bad_print",
                    f"last bar {print_day.isoformat()} moved {move:+.1f}%, {size:.0f} times its usual "
                    "daily move and out of line with the market; unconfirmed, check it",
                    print_day,
                )
            )
            continue
        nxt = following[t, j]
        reverted = np.sign(nxt) == -np.sign(r[t, j]) and abs(nxt) >= limits.bad_print_revert_frac * abs(
            r[t, j]
        )
        if reverted:
            next_row = t + 1 + int(np.argmax(traded[t + 1 :, j]))
            notes.append(
                DataNote(
                    tickers[j],
                    "bad_print",
                    f"close on {print_day.isoformat()} moved {move:+.1f}% ({size:.0f} times its usual daily "
                    f"move) and reversed {float(np.expm1(nxt) * 100):+.1f}% the next session",
                    _day(index, next_row),
                )
            )
    return notes


def _flat(
    index: pd.DatetimeIndex, close: np.ndarray, tickers: list[str], limits: FetchSettings
) -> list[DataNote]:
    prev = pd.DataFrame(close).ffill().shift(1).to_numpy()
    same = ~np.isnan(close) & (close == prev)
    # A run of k unchanged returns is k+1 equal closes; count closes.
    cols, starts, lengths = _runs(same)
    notes = []
    for j, start, length in zip(cols, starts, lengths, strict=True):
        if length + 1 >= limits.flat_run_sessions:
            first = _day(index, start - 1)
            end = start + length - 1
            notes.append(
                DataNote(
                    tickers[j],
                    "flat",
                    f"close unchanged at {close[end, j]:g} for {length + 1} bars, {first.isoformat()} to "
                    f"{_day(index, end).isoformat()} (carried-forward quotes?)",
                    _day(index, end),
                )
            )
    return notes


def _basis(
    index: pd.DatetimeIndex,
    close: np.ndarray,
    adj: np.ndarray,
    tickers: list[str],
    skip: set[str],
    limits: FetchSettings,
) -> list[DataNote]:
    with np.errstate(divide="ignore", invalid="ignore"):
        log_q = np.log(adj / close)
    step = log_q - pd.DataFrame(log_q).ffill().shift(1).to_numpy()
    drift = limits.basis_drift_pct / 100
    notes: list[DataNote] = []
    for j, ticker in enumerate(tickers):
        if ticker in skip:
            continue
        above = np.flatnonzero(log_q[:, j] > np.log1p(drift))
        if len(above):
            days = [_day(index, r) for r in above]
            notes += _by_month(ticker, "basis_mismatch", days, "adjusted close above the quoted close")
        for t in np.flatnonzero((step[:, j] < -drift) | (step[:, j] > np.log1p(limits.basis_jump_pct / 100))):
            change = float(np.expm1(step[t, j]) * 100)
            notes.append(
                DataNote(
                    ticker,
                    "basis_mismatch",
                    f"adjusted/quoted close ratio moved {change:+.1f}% on {_day(index, t).isoformat()} "
                    "(a split or dividend applied to one basis only?)",
                    _day(index, t),
                )
            )
    return notes
