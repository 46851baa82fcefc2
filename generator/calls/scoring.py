"""Scoring calls against the prices after their publication, and the track record.

A call is scored only with closes strictly after its publication close:

- absolute: ``r_t = A_t / A_0 - 1`` on adjusted closes (negated for a short);
- relative: ``r_t = (A_t / A_0) / (B_t / B_0) - 1`` on adjusted closes.

Status: ``invalidated`` on the first close through its stop (a price ``stop`` is judged on
weekly closes of quoted prices, as the issue prints it, "weekly close below"; a ``stop_pct``
on daily closes of the return), ``expired`` once ``horizon_weeks`` have passed, ``closed``
when a later published issue lists it under ``closes``, else ``open``. The result is frozen
on the close that ended it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from generator.calls.model import Call, horizon_end
from generator.data.prices import PriceHistory
from generator.errors import DraftError


@dataclass(frozen=True)
class CallScore:
    """How a call has done since its publication close (all returns in percent)."""

    call: Call  # the call as published
    status: str  # open, invalidated, expired or closed (by a later issue)
    result_pct: float | None  # return since entry in percent (pair: relative); none before a close
    best_pct: float | None  # best close since entry, in percent
    worst_pct: float | None  # worst close since entry, in percent
    days_open: int  # calendar days from publication to its end (or to the scoring date)
    sessions: int  # closes scored since publication
    ended_on: date | None  # the session whose close ended it; none while open
    last_day: date | None  # the last session scored
    entry_day: date  # the publication close the returns are measured from
    horizon_end: date  # the day it expires: publication + horizon_weeks
    path: pd.Series = field(repr=False, compare=False)  # return in % per session since entry

    @property
    def hit(self) -> bool | None:
        """True when the result is positive; None while there is no result."""
        return None if self.result_pct is None else self.result_pct > 0

    @property
    def ended(self) -> bool:
        """True once the call is invalidated, expired or closed: its result is final."""
        return self.status != "open"


def score_call(
    call: Call,
    prices: PriceHistory,
    *,
    published_on: date,
    through: date,
    closed_on: date | None = None,
) -> CallScore:
    """Score ``call`` with closes strictly after ``published_on`` and on or before ``through``.

    Entry is the last close on or before ``published_on`` (a Friday issue is entered at
    Friday's close and scored from Monday's). Per session t after entry, on adjusted closes:
    ``r_t = 100 * s * (A_t / A_0 - 1)`` for ``long/short A``, and
    ``r_t = 100 * s * ((A_t / A_0) / (B_t / B_0) - 1)`` for ``long/short A vs B``, with
    ``s = +1`` long, ``-1`` short. The call ends on the earliest of: the weekly close
    (quoted, last session of a completed week) through ``stop`` ("weekly close below" as
    the issue printed it), the daily close with ``r_t < stop_pct``, the last session on or
    before ``closed_on`` (a later issue closed it) or before the horizon, once a session on
    or after the horizon exists. The result, best and worst are taken over the path up to
    that close, and frozen there.
    """
    legs = [call.ticker] + ([call.benchmark] if call.benchmark else [])
    missing = [t for t in legs if t not in prices.adj_close.columns or prices.adj_close[t].isna().all()]
    if missing:
        raise DraftError(f"call {call.id}: no prices for {', '.join(missing)}")
    dates, adj = _window(prices.adj_close, legs, published_on, through)
    entered = dates <= pd.Timestamp(published_on)
    if not entered.any():
        raise DraftError(f"call {call.id}: no close on or before its publication date {published_on}")
    entry_row = int(np.flatnonzero(entered)[-1])
    entry_day = pd.Timestamp(dates[entry_row])
    growth = adj[entry_row + 1 :, 0] / adj[entry_row, 0]
    if call.benchmark:
        growth = growth / (adj[entry_row + 1 :, 1] / adj[entry_row, 1])
    sign = 1.0 if call.direction == "long" else -1.0
    path = pd.Series(100.0 * sign * (growth - 1.0), index=dates[entry_row + 1 :], name=call.id)
    expires = horizon_end(call, published_on)
    ends: list[tuple[pd.Timestamp, str]] = []
    stop_day = _stop_day(call, prices, path, entry_day, through)
    if stop_day is not None:
        ends.append((stop_day, "invalidated"))
    if closed_on is not None and closed_on <= through:
        ends.append((_last_session(path.index, closed_on), "closed"))
    if len(path.index) and path.index[-1] >= pd.Timestamp(expires):
        ends.append((_last_session(path.index, expires), "expired"))
    status, ended_on = "open", None
    if ends:
        end_day, status = min(ends, key=lambda e: e[0])  # stable: invalidated wins a tie
        path = path.iloc[: int(path.index.searchsorted(end_day, side="right"))]
        ended_on = pd.Timestamp(end_day).date()
    values = path.to_numpy()
    scored = len(values) > 0
    return CallScore(
        call=call,
        status=status,
        result_pct=float(values[-1]) if scored else None,
        best_pct=float(values.max()) if scored else None,
        worst_pct=float(values.min()) if scored else None,
        days_open=((ended_on or through) - published_on).days,
        sessions=len(values),
        ended_on=ended_on,
        last_day=pd.Timestamp(path.index[-1]).date() if scored else None,
        entry_day=entry_day.date(),
        horizon_end=expires,
        path=path,
    )


# Rows kept before the publication day, so an entry close is found even after a few missing
# days; a longer gap falls back to the whole history.
ENTRY_LOOKBACK_ROWS = 30


def _window(
    frame: pd.DataFrame, legs: list[str], published_on: date, through: date
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Dates and closes of ``legs`` (every leg present) from a little before ``published_on``
    to ``through``, as plain arrays.

    Slicing by position first keeps a call's scoring cost proportional to its own life, not
    to the length of the price history: an archive rescores every call at every build, and a
    backfill scores the open calls every week.
    """
    index = pd.DatetimeIndex(frame.index)
    columns = frame.columns.get_indexer(pd.Index(legs))
    first = int(index.searchsorted(pd.Timestamp(published_on), side="right")) - ENTRY_LOOKBACK_ROWS
    last = int(index.searchsorted(pd.Timestamp(through), side="right"))
    start = max(first, 0)
    values = frame.to_numpy()[start:last][:, columns]
    present = np.isfinite(values).all(axis=1)
    dates = index[start:last][present]
    if start > 0 and not (dates <= pd.Timestamp(published_on)).any():
        return _window(frame, legs, frame.index[0].date(), through)
    return dates, values[present]


def _last_session(index: pd.Index, day: date) -> pd.Timestamp:
    """The last session on or before ``day`` (``day`` itself when there is none)."""
    sessions = index[index <= pd.Timestamp(day)]
    return pd.Timestamp(sessions[-1]) if len(sessions) else pd.Timestamp(day)


def stop_threshold(call: Call, prices: PriceHistory, entry_day: pd.Timestamp) -> float | None:
    """The price stop in today's quoted (split-adjusted) units, or None for a call without one.

    A split after publication changes every earlier quoted close, so the published stop is
    rescaled by (entry close in today's series) / (entry close as published).
    """
    if call.stop is None or call.relative:
        return None
    quoted = prices.close[call.ticker]
    published_entry = call.entry.get(call.ticker)
    today_entry = quoted.get(entry_day)
    if published_entry and today_entry is not None and np.isfinite(today_entry):
        return float(call.stop * today_entry / published_entry)
    return float(call.stop)


def weekly_close_days(index: pd.DatetimeIndex, through: date) -> pd.DatetimeIndex:
    """The last session of every completed week (weeks end on Friday) up to ``through``.

    A Friday holiday closes its week on Thursday; the current week counts once ``through``
    reaches its Friday.
    """
    fridays = index.to_period("W-FRI").end_time.normalize()
    last_of_week = ~pd.Index(fridays).duplicated(keep="last")
    complete = fridays <= pd.Timestamp(through)
    return index[last_of_week & complete]


def _stop_day(
    call: Call, prices: PriceHistory, path: pd.Series, entry_day: pd.Timestamp, through: date
) -> pd.Timestamp | None:
    """The first close after entry that goes through the call's invalidation, if any."""
    days: list[pd.Timestamp] = []
    if call.stop_pct is not None:
        below = np.flatnonzero(path.to_numpy() < call.stop_pct)
        if len(below):
            days.append(pd.Timestamp(path.index[below[0]]))
    threshold = stop_threshold(call, prices, entry_day)
    if threshold is not None:
        dates, quoted = _window(prices.close, [call.ticker], entry_day.date(), through)
        later = dates > entry_day
        weekly = pd.Series(quoted[later, 0], index=dates[later])
        weekly = weekly.loc[weekly_close_days(pd.DatetimeIndex(weekly.index), through)]
        through_stop = weekly < threshold if call.direction == "long" else weekly > threshold
        crossed = weekly.index[through_stop.to_numpy()]
        if len(crossed):
            days.append(pd.Timestamp(crossed[0]))
    return min(days) if days else None


@dataclass(frozen=True)
class TrackRecord:
    """Hit rate and results over a set of scored calls; only ended calls count."""

    label: str
    calls: int  # every call in the set
    open: int  # still open: their results are not final, so they are left out below
    scored: int  # ended calls
    hits: int  # ended calls with a positive result
    mean_pct: float | None
    median_pct: float | None

    @property
    def hit_rate_pct(self) -> float | None:
        """Share of ended calls with a positive result, in percent."""
        return None if not self.scored else 100.0 * self.hits / self.scored


def track_record(label: str, scores: Sequence[CallScore]) -> TrackRecord:
    """Aggregate ``scores``: hit rate = hits / ended calls; mean and median of ended results."""
    results = [s.result_pct for s in scores if s.ended and s.result_pct is not None]
    return TrackRecord(
        label=label,
        calls=len(scores),
        open=sum(1 for s in scores if not s.ended),
        scored=len(results),
        hits=sum(1 for r in results if r > 0),
        mean_pct=float(np.mean(results)) if results else None,
        median_pct=float(np.median(results)) if results else None,
    )
