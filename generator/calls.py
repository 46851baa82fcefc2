"""Rotation calls: their front-matter schema, suggestions from signals, and scoring.

A call is a position the letter takes, ``long IWM vs IWB`` (relative) or ``long ARKX``
(absolute). It is scored only with closes strictly after its publication close:

- absolute: ``r_t = A_t / A_0 - 1`` on adjusted closes (negated for a short);
- relative: ``r_t = (A_t / A_0) / (B_t / B_0) - 1`` on adjusted closes.

Status: ``invalidated`` on the first close through its stop (a price ``stop`` is judged on
weekly closes of quoted prices, as the issue prints it, "weekly close below"; a ``stop_pct``
on daily closes of the return), ``expired`` once ``horizon_weeks`` have passed, ``closed``
when a later published issue lists it under ``closes``, else ``open``. The result is frozen
on the close that ended it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from generator.errors import DraftError
from generator.prices import PriceHistory
from generator.signals.wording import versus

MAX_HORIZON_WEEKS = 520  # ten years: a longer call could never be scored in a reader's lifetime of the letter
CALL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._^=-]*$")
POSITION = re.compile(r"^\s*(long|short)\s+([A-Za-z0-9.\-^=]+)(?:\s+vs\.?\s+([A-Za-z0-9.\-^=]+))?\s*$", re.I)


@dataclass(frozen=True)
class Call:
    """One call as published in an issue's front matter."""

    id: str  # unique across all issues, e.g. 2025-10-17-long-iwm-vs-iwb
    direction: str  # long or short
    ticker: str  # the instrument held
    benchmark: str | None  # the instrument it is held against (relative calls), or none
    category: str  # size, sectors, thematic... (the ledger groups by it)
    thesis: str  # the thesis in one line
    entry: dict[str, float]  # quoted closes of each leg at the publication close
    horizon_weeks: int  # the call expires after this many weeks
    stop: float | None = None  # quoted-price level (absolute calls): a weekly close through it invalidates
    stop_pct: float | None = None  # return in percent, e.g. -4.0: a daily close below it invalidates
    issue_date: date | None = None  # the as-of date of the issue that published it
    issue_slug: str | None = None  # that issue's slug

    @property
    def position(self) -> str:
        """``long IWM vs IWB`` / ``long ARKX``."""
        text = f"{self.direction} {self.ticker}"
        return f"{text} vs {self.benchmark}" if self.benchmark else text

    @property
    def relative(self) -> bool:
        """True for a pair call."""
        return self.benchmark is not None

    def to_front_matter(self) -> dict[str, Any]:
        """The dict written under ``calls:`` in an issue."""
        data: dict[str, Any] = {
            "id": self.id,
            "position": self.position,
            "category": self.category,
            "thesis": self.thesis,
            "entry": dict(self.entry),
            "horizon_weeks": self.horizon_weeks,
        }
        if self.stop is not None:
            data["stop"] = self.stop
        if self.stop_pct is not None:
            data["stop_pct"] = self.stop_pct
        return data


def parse_call(raw: Any, *, known_tickers: Iterable[str], where: str) -> Call:
    """Validate one front-matter call; raise DraftError naming the issue and the call."""
    known = set(known_tickers)
    if not isinstance(raw, Mapping):
        raise DraftError(f"{where}: a call must be a mapping with id, position, stop, horizon_weeks")
    call_id = str(raw.get("id") or "").strip()
    label = f"{where}: call {call_id if CALL_ID.match(call_id) else repr(call_id) if call_id else '(no id)'}"
    problems: list[str] = []
    if not call_id:
        problems.append("missing id")
    elif not CALL_ID.match(call_id):
        problems.append("its id may hold only letters, digits, '.', '_', '^', '=' and '-' (it names a page)")
    match = POSITION.match(str(raw.get("position", "")))
    if not match:
        problems.append(f"position {raw.get('position')!r} is not 'long T', 'short T' or 'long T vs B'")
        direction, ticker, benchmark = "long", "?", None
    else:
        direction = match.group(1).lower()
        ticker = match.group(2).upper()
        benchmark = match.group(3).upper() if match.group(3) else None
        for symbol in filter(None, (ticker, benchmark)):
            if symbol not in known:
                problems.append(f"unknown instrument {symbol} (not in newsletter.toml)")
        if benchmark == ticker:
            problems.append(f"a relative call needs two different instruments, got {ticker} twice")
    horizon = raw.get("horizon_weeks")
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 0 < horizon <= MAX_HORIZON_WEEKS:
        problems.append(
            f"horizon_weeks must be a whole number of weeks from 1 to {MAX_HORIZON_WEEKS}, got {horizon!r}"
        )
    stop, stop_pct = raw.get("stop"), raw.get("stop_pct")
    if stop is None and stop_pct is None:
        problems.append("no invalidation: give stop (a price) or stop_pct (a return in %)")
    if stop is not None and (not _is_number(stop) or float(stop) <= 0):
        problems.append(f"stop must be a positive price, got {stop!r}")
    if stop is not None and benchmark is not None:
        problems.append("a relative call takes stop_pct (a relative return), not a price stop")
    if stop_pct is not None and (not _is_number(stop_pct) or float(stop_pct) >= 0):
        problems.append(f"stop_pct must be a negative percent such as -4, got {stop_pct!r}")
    entry = raw.get("entry") or {}
    if not isinstance(entry, Mapping) or not all(_is_number(v) and float(v) > 0 for v in entry.values()):
        problems.append("entry must map tickers to their closes (positive prices)")
        entry = {}
    for name in ("category", "thesis"):
        if raw.get(name) is not None and not is_text(raw.get(name)):
            problems.append(f"{name} must be text, got {raw.get(name)!r}")
    if problems:
        raise DraftError(f"{label}: " + "; ".join(problems))
    return Call(
        id=call_id,
        direction=direction,
        ticker=ticker,
        benchmark=benchmark,
        category=str(raw.get("category") or "other"),
        thesis=str(raw.get("thesis") or ""),
        entry={str(k).upper(): float(v) for k, v in entry.items()},
        horizon_weeks=int(horizon),  # type: ignore[arg-type]
        stop=float(stop) if stop is not None else None,
        stop_pct=float(stop_pct) if stop_pct is not None else None,
    )


def stop_problems(call: Call) -> list[str]:
    """A stop that cannot work as written (pure; checked at publish, not at build, so a post an
    older version published still builds): a price stop on the wrong side of the entry (a
    long's above it, a short's below it), which the first weekly close would read as
    "invalidated", or a long's ``stop_pct`` at -100% or lower, which no return can reach.
    """
    problems: list[str] = []
    entry = call.entry.get(call.ticker)
    if call.stop is not None and entry is not None and not call.relative:
        if call.direction == "long" and call.stop > entry:
            problems.append(
                f"its stop {call.stop:,.2f} is above its entry {entry:,.2f}: a long call is stopped by a "
                "weekly close below its stop, so it would read as invalidated at once"
            )
        if call.direction == "short" and call.stop < entry:
            problems.append(
                f"its stop {call.stop:,.2f} is below its entry {entry:,.2f}: a short call is stopped by a "
                "weekly close above its stop, so it would read as invalidated at once"
            )
    if call.stop_pct is not None and call.direction == "long" and call.stop_pct <= -100.0:
        problems.append(
            f"stop_pct {call.stop_pct:g} can never be reached: a long position cannot lose 100% or more"
        )
    return problems


def entry_problems(
    call: Call, closes: Mapping[str, tuple[date, float]], *, tolerance_pct: float, source: str
) -> list[str]:
    """Each leg's ``entry`` against the quoted close it records (pure).

    ``closes`` maps each leg to its last quoted close on or before the issue's as-of date and
    that session (the close drafts write, DESIGN.md "Two price bases": levels are quoted). An
    entry further than ``tolerance_pct`` from it is a typo (14.774 for 147.74 would be scored
    as a split); a missing leg, or a ticker the call does not hold, is refused too.
    """
    problems: list[str] = []
    legs = [call.ticker] + ([call.benchmark] if call.benchmark else [])
    for ticker in legs:
        day, close = closes[ticker]
        value = call.entry.get(ticker)
        if value is None:
            problems.append(f"entry has no close for {ticker} (the close of {day} was {close:,.2f})")
            continue
        off_pct = 100.0 * (value / close - 1.0)
        if abs(off_pct) > tolerance_pct:
            problems.append(
                f"entry {ticker} {value:g} is {versus(off_pct, f'the close of {day}')} ({close:,.2f} in the "
                f"store of {source}; tolerance {tolerance_pct:g}%, [issue] entry_tolerance_pct)"
            )
    problems += [f"entry names {t}, which the call does not hold" for t in call.entry if t not in legs]
    return problems


def is_text(value: Any) -> bool:
    """A front-matter value that reads as text: a string, a number or a date, never a bool or a list."""
    return isinstance(value, (str, int, float, date)) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    """A finite int or float (not a bool); an int too large for a float is not a number."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


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


def horizon_end(call: Call, published_on: date) -> date:
    """The calendar day the call expires: publication day + ``horizon_weeks`` weeks."""
    return published_on + timedelta(weeks=call.horizon_weeks)


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


OVERLAP_DAYS = 63
MAX_OVERLAP_CORR = 0.9


def position_returns(adj_close: pd.DataFrame, call: Call, days: int = OVERLAP_DAYS) -> pd.Series:
    """The last ``days`` daily returns of what ``call`` holds, on adjusted closes.

    ``r_t = P_t / P_{t-1} - 1`` with ``P = A`` for ``long A`` and ``P = A / B`` for ``long A vs
    B`` (negated for a short). The caller passes a frame cut at the as-of date, so nothing
    later is read. Empty when a leg has no prices.
    """
    if call.ticker not in adj_close.columns or (call.benchmark and call.benchmark not in adj_close.columns):
        return pd.Series(dtype="float64")
    held = adj_close[call.ticker].iloc[-(days + 1) :]
    if call.benchmark:
        held = held / adj_close[call.benchmark].iloc[-(days + 1) :]
    returns = held.pct_change(fill_method=None).iloc[1:]
    return -returns if call.direction == "short" else returns


def suggest_calls(
    candidates: Sequence[Call],
    *,
    max_calls: int,
    open_positions: Iterable[str] = (),
    adj_close: pd.DataFrame | None = None,
    max_overlap_corr: float = MAX_OVERLAP_CORR,
) -> list[Call]:
    """The calls a draft suggests from ``candidates`` (best first: the order of the stories they
    follow, ``generator.stories.calls``); the editor keeps, edits or drops them.

    A position already open is not suggested again, and a call whose daily returns
    (``position_returns`` over ``adj_close``, cut at the as-of date) correlate at
    ``max_overlap_corr`` or more with those of one already chosen is the same bet and is left
    out: SPY and IWB broke out together in December 2023 at a correlation of 0.99, and IWM vs
    IWB and IWM vs SPY are one small-cap bet.
    """
    taken = {p.lower() for p in open_positions}
    calls: list[Call] = []
    for call in candidates:
        if len(calls) >= max_calls:
            break
        if call.position.lower() in taken or _overlaps(call, calls, adj_close, max_overlap_corr):
            continue
        taken.add(call.position.lower())
        calls.append(call)
    return calls


def _overlaps(call: Call, chosen: Sequence[Call], adj_close: pd.DataFrame | None, limit: float) -> bool:
    """True when ``call``'s daily returns correlate at ``limit`` or more with a chosen call's."""
    if adj_close is None or not chosen:
        return False
    mine = position_returns(adj_close, call)
    for other in chosen:
        corr = mine.corr(position_returns(adj_close, other), min_periods=OVERLAP_DAYS // 2)
        if corr >= limit:  # NaN (too little history) never counts as overlap
            return True
    return False
