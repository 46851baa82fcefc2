"""The track record against something to compare it with: each call beside its benchmark over
the same days, its excess return, and the base rate of its instrument (pure: frames in,
values out).

For a call scored from its entry close ``0`` to its last scored close ``t`` (the close that
ended it, or the latest), on dividend-adjusted closes, with ``s = +1`` long and ``-1`` short:

- **benchmark return**: ``b = 100 * (M_t / M_0 - 1)`` of the configured benchmark ``M`` (SPY)
  over the same days, for an outright call ``long A`` or ``short A``; for a pair ``long A vs
  B`` the benchmark is its other leg ``B`` (``100 * (B_t / B_0 - 1)``, shown for reference).
- **excess return**: what the call made beyond holding the benchmark the same way, measured
  as a pair is: ``x = 100 * s * ((A_t / A_0) / (M_t / M_0) - 1)`` for an outright call; for a
  pair the relative return already is the excess, ``x = result``.
- **base rate**: how often a random entry in the same position made money when held for the
  call's horizon, over the ``years`` before the call: the share of sessions ``d`` with
  ``entry - years <= d`` whose hold to the last session on or before ``d + horizon`` ends on
  or before the call's entry day, that have ``s * (P_exit / P_d - 1) > 0``, where ``P`` is
  ``A`` (outright) or ``A / B`` (pair). Only closes up to the call's entry are read, so the
  base rate is what a reader could have known when the call was made (no look-ahead).

A group of ended calls (all, a category, a year) compares its hit rate (share of results
above zero) with its base rate (the mean of its calls' base rates: the hit rate random entries
in the same instruments, directions and horizons would have had), and its mean result with
the mean benchmark return and mean excess. Means average per call, so they do not depend on
how many calls overlap in time (the old running sum added percentages).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from generator.calls.ledger import PublishedIssue
from generator.calls.scoring import CallScore
from generator.data.prices import PriceHistory

BASE_RATE_YEARS = 5  # the "prior years" a call's base rate samples
MIN_BASE_ENTRIES = 60  # fewer random entries than this (about three months of sessions): no base rate


@dataclass(frozen=True)
class CallVsBenchmark:
    """One call beside its benchmark over the days it was scored (percent; None without data)."""

    call_id: str
    benchmark: str  # the configured benchmark (outright calls) or the pair's other leg
    benchmark_pct: float | None  # the benchmark's return over the same days
    excess_pct: float | None  # the call's return beyond the benchmark's (a pair: its result)
    base_rate_pct: float | None  # share of random entries in the same position that made money
    base_entries: int  # how many random entries the base rate counts


@dataclass(frozen=True)
class RecordRow:
    """The track record of a set of calls; only ended calls count in the rates and means."""

    label: str
    calls: int
    open: int
    ended: int
    hits: int  # ended calls with a result above zero
    hit_rate_pct: float | None
    base_rate_pct: float | None  # mean base rate of the ended calls that have one
    mean_pct: float | None  # mean result of the ended calls
    median_pct: float | None
    benchmark_mean_pct: float | None  # mean benchmark return over the same days
    excess_mean_pct: float | None  # mean excess return
    beat_benchmark: int  # ended calls with an excess above zero


def _close_at(series: pd.Series, day: date) -> float | None:
    """The last close on or before ``day`` (series without gaps), or None."""
    values = series.loc[: pd.Timestamp(day)]
    return float(values.iloc[-1]) if len(values) else None


def _return_pct(series: pd.Series, start: date, end: date) -> float | None:
    first, last = _close_at(series, start), _close_at(series, end)
    if first is None or last is None or not first:
        return None
    return 100.0 * (last / first - 1.0)


def position_series(adj_close: pd.DataFrame, score: CallScore) -> pd.Series:
    """What the call holds, on adjusted closes: ``A``, or the ratio ``A / B`` of a pair (NaN rows dropped)."""
    call = score.call
    held = adj_close[call.ticker]
    if call.benchmark:
        held = held / adj_close[call.benchmark]
    return held.dropna()


def base_rate(
    held: pd.Series, *, entry_day: date, horizon_weeks: int, direction: str, years: int = BASE_RATE_YEARS
) -> tuple[float | None, int]:
    """(share in percent of random entries that made money, number of entries); see the module.

    ``held`` is the position's price series; only closes on or before ``entry_day`` are read.
    An entry ``d`` is held to the last session on or before ``d + horizon_weeks`` weeks, and
    counts only when that day is on or before ``entry_day``.
    """
    series = held.loc[: pd.Timestamp(entry_day)]
    if not len(series):
        return None, 0
    days = pd.DatetimeIndex(series.index)
    values = series.to_numpy(dtype="float64")
    hold = pd.Timedelta(weeks=horizon_weeks)
    first = pd.Timestamp(entry_day - timedelta(days=round(365.25 * years)))
    last_entry = pd.Timestamp(entry_day) - hold  # its hold ends on the entry day at the latest
    starts = np.flatnonzero((days >= first) & (days <= last_entry))
    if not len(starts):
        return None, 0
    exits = days.searchsorted(days[starts] + hold, side="right") - 1
    valid = exits > starts
    starts, exits = starts[valid], exits[valid]
    if len(starts) < MIN_BASE_ENTRIES:
        return None, int(len(starts))
    sign = 1.0 if direction == "long" else -1.0
    made_money = sign * (values[exits] / values[starts] - 1.0) > 0
    return float(100.0 * made_money.mean()), int(len(starts))


def versus_benchmark(
    score: CallScore, adj_close: pd.DataFrame, benchmark: str, *, years: int = BASE_RATE_YEARS
) -> CallVsBenchmark:
    """One call against its benchmark over the days it was scored, and its base rate (see the module)."""
    call = score.call
    compare_with = call.benchmark or benchmark
    benchmark_pct = excess_pct = None
    if score.last_day is not None and compare_with in adj_close.columns:
        benchmark_pct = _return_pct(adj_close[compare_with].dropna(), score.entry_day, score.last_day)
        if call.relative:
            excess_pct = score.result_pct
        else:
            # A call on the benchmark itself (long SPY) is compared with itself: no excess.
            both = adj_close[list(dict.fromkeys([call.ticker, compare_with]))].dropna()
            growth_a = _return_pct(both[call.ticker], score.entry_day, score.last_day)
            growth_m = _return_pct(both[compare_with], score.entry_day, score.last_day)
            if growth_a is not None and growth_m is not None:
                sign = 1.0 if call.direction == "long" else -1.0
                excess_pct = 100.0 * sign * ((1 + growth_a / 100.0) / (1 + growth_m / 100.0) - 1.0)
    rate, entries = None, 0
    legs = [call.ticker, *([call.benchmark] if call.benchmark else [])]
    if all(t in adj_close.columns for t in legs):
        rate, entries = base_rate(
            position_series(adj_close, score),
            entry_day=score.entry_day,
            horizon_weeks=call.horizon_weeks,
            direction=call.direction,
            years=years,
        )
    return CallVsBenchmark(call.id, compare_with, benchmark_pct, excess_pct, rate, entries)


def compare_calls(
    issues: Sequence[PublishedIssue],
    scores: Sequence[CallScore],
    load: Callable[[str], PriceHistory],
    benchmark: str,
) -> dict[str, CallVsBenchmark]:
    """Call id -> the call against its benchmark and base rate (``versus_benchmark``), with the
    prices of the source its issue was drafted from (``load``: a source spec's prices).
    """
    source_of = {c.id: i.source for i in issues for c in i.calls}
    return {
        score.call.id: versus_benchmark(score, load(source_of[score.call.id]).adj_close, benchmark)
        for score in scores
        if score.call.id in source_of
    }


def record_row(label: str, scores: Sequence[CallScore], versus: Mapping[str, CallVsBenchmark]) -> RecordRow:
    """Aggregate ``scores``: rates and means over the ended calls with a result (see the module)."""
    ended = [s for s in scores if s.ended and s.result_pct is not None]
    results = np.array([s.result_pct for s in ended], dtype="float64")
    against = [versus[s.call.id] for s in ended if s.call.id in versus]

    def mean(values: Sequence[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return float(np.mean(present)) if present else None

    excesses = [v.excess_pct for v in against if v.excess_pct is not None]
    return RecordRow(
        label=label,
        calls=len(scores),
        open=sum(1 for s in scores if not s.ended),
        ended=len(ended),
        hits=int((results > 0).sum()),
        hit_rate_pct=float(100.0 * (results > 0).mean()) if len(results) else None,
        base_rate_pct=mean([v.base_rate_pct for v in against]),
        mean_pct=float(results.mean()) if len(results) else None,
        median_pct=float(np.median(results)) if len(results) else None,
        benchmark_mean_pct=mean([v.benchmark_pct for v in against]),
        excess_mean_pct=mean(excesses),
        beat_benchmark=sum(1 for x in excesses if x > 0),
    )


def record_groups(
    scores: Sequence[CallScore],
    versus: Mapping[str, CallVsBenchmark],
    category_label: Callable[[str], str] = str,
) -> list[tuple[str, list[RecordRow]]]:
    """All calls; by category (by its readable name); by year of publication. Empty groups are left out."""
    by_category: dict[str, list[CallScore]] = defaultdict(list)
    by_year: dict[int, list[CallScore]] = defaultdict(list)
    for score in scores:
        by_category[category_label(score.call.category)].append(score)
        if score.call.issue_date is not None:
            by_year[score.call.issue_date.year].append(score)
    groups = [
        ("All calls", [record_row("all calls", scores, versus)]),
        ("By category", [record_row(k, v, versus) for k, v in sorted(by_category.items())]),
        ("By year", [record_row(str(k), v, versus) for k, v in sorted(by_year.items())]),
    ]
    return [(title, rows) for title, rows in groups if rows]


def running_means(
    scores: Sequence[CallScore], versus: Mapping[str, CallVsBenchmark]
) -> pd.DataFrame:
    """The mean result and mean benchmark return of the calls ended so far, after each end day.

    Rows by end day (several calls ending on one day are one row); columns ``result_pct``,
    ``benchmark_pct`` and ``calls`` (ended so far). This is what replaces the running sum.
    """
    ended = sorted(
        (s for s in scores if s.ended and s.ended_on is not None and s.result_pct is not None),
        key=lambda s: (s.ended_on, s.call.id),
    )
    if not ended:
        return pd.DataFrame(columns=["result_pct", "benchmark_pct", "calls"])
    frame = pd.DataFrame(
        {
            "day": [pd.Timestamp(s.ended_on or s.entry_day) for s in ended],
            "result": [s.result_pct for s in ended],
            "benchmark": [
                versus[s.call.id].benchmark_pct if s.call.id in versus else None for s in ended
            ],
        }
    )
    frame["benchmark"] = frame["benchmark"].astype("float64")
    counted = np.arange(1, len(frame) + 1)
    frame["result_pct"] = frame["result"].cumsum() / counted
    with_bench = frame["benchmark"].notna().cumsum().astype("float64")
    with_bench[with_bench == 0] = np.nan
    frame["benchmark_pct"] = frame["benchmark"].fillna(0.0).cumsum() / with_bench
    frame["calls"] = counted
    return frame.groupby("day")[["result_pct", "benchmark_pct", "calls"]].last()
