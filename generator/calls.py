"""Rotation calls: their front-matter schema, suggestions from signals, and scoring.

A call is a position the letter takes, ``long IWM vs IWB`` (relative) or ``long ARKX``
(absolute). It is scored only with closes strictly after its publication close:

- absolute: ``r_t = A_t / A_0 - 1`` on adjusted closes (negated for a short);
- relative: ``r_t = (A_t / A_0) / (B_t / B_0) - 1`` on adjusted closes.

Status: ``invalidated`` on the first close through its stop (a quoted price level, or a
return in percent), ``expired`` once ``horizon_weeks`` have passed, ``closed`` when a later
published issue lists it under ``closes``, else ``open``. The result is frozen on the
close that ended it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from generator.errors import DraftError
from generator.prices import PriceHistory

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
    stop: float | None = None  # quoted-price level (absolute calls): a close through it invalidates
    stop_pct: float | None = None  # return in percent, e.g. -4.0: a close at or below it invalidates
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
    label = f"{where}: call {call_id or '(no id)'}"
    problems: list[str] = []
    if not call_id:
        problems.append("missing id")
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
    horizon = raw.get("horizon_weeks")
    if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon <= 0:
        problems.append(f"horizon_weeks must be a positive whole number of weeks, got {horizon!r}")
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
    if not isinstance(entry, Mapping) or not all(_is_number(v) for v in entry.values()):
        problems.append("entry must map tickers to their closes")
        entry = {}
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


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


@dataclass(frozen=True)
class CallScore:
    """How a call has done since its publication close."""

    call: Call  # the call as published
    status: str  # open, invalidated, expired, closed, or pending (no close after publication yet)
    result_pct: float | None  # return since entry, in percent (relative return for a pair)
    best_pct: float | None  # best close-to-close result since entry, in percent
    worst_pct: float | None  # worst close-to-close result since entry, in percent
    days_open: int  # calendar days from publication to its end (or to the scoring date)
    sessions: int  # sessions scored
    ended_on: date | None  # when it was invalidated, expired or closed; none while open
    last_day: date | None  # the last session scored
    path: pd.Series = field(repr=False, compare=False)  # return in % per session since entry

    @property
    def hit(self) -> bool | None:
        """True when the result is positive; None while there is no result."""
        return None if self.result_pct is None else self.result_pct > 0


def score_call(
    call: Call,
    prices: PriceHistory,
    *,
    published_on: date,
    through: date,
    closed_on: date | None = None,
) -> CallScore:
    """Score ``call`` with closes strictly after ``published_on`` and on or before ``through``."""
    history = prices.as_of(through)
    legs = [call.ticker] + ([call.benchmark] if call.benchmark else [])
    missing = [t for t in legs if t not in history.tickers]
    if missing:
        raise DraftError(f"call {call.id}: no prices for {', '.join(missing)}")
    adj = history.adj_close[legs].dropna()
    start = pd.Timestamp(published_on)
    before = adj.loc[adj.index <= start]
    if before.empty:
        raise DraftError(f"call {call.id}: no close on or before its publication date {published_on}")
    entry = before.iloc[-1]
    after = adj.loc[adj.index > start]
    growth = after[call.ticker] / entry[call.ticker]
    if call.benchmark:
        growth = growth / (after[call.benchmark] / entry[call.benchmark])
    sign = 1.0 if call.direction == "long" else -1.0
    path = 100.0 * sign * (growth - 1.0)
    status, end = "open", None
    horizon_end = published_on + timedelta(weeks=call.horizon_weeks)
    stop_day = _stop_day(call, history, path, before.index[-1], after.index)
    candidates = [(d, s) for d, s in ((stop_day, "invalidated"), (closed_on, "closed")) if d is not None]
    if path.index.size and pd.Timestamp(horizon_end) <= path.index[-1]:
        candidates.append((pd.Timestamp(horizon_end).date(), "expired"))
    if candidates:
        end, status = min(candidates, key=lambda c: c[0])
        path = path.loc[path.index <= pd.Timestamp(end)]
    if path.empty:
        return CallScore(
            call,
            "pending" if status == "open" else status,
            None,
            None,
            None,
            (through - published_on).days,
            0,
            end,
            None,
            path,
        )
    last_day = pd.Timestamp(path.index[-1]).date()
    return CallScore(
        call=call,
        status=status,
        result_pct=float(path.iloc[-1]),
        best_pct=float(path.max()),
        worst_pct=float(path.min()),
        days_open=((end or through) - published_on).days,
        sessions=len(path),
        ended_on=end,
        last_day=last_day,
        path=path,
    )


def _stop_day(
    call: Call, history: PriceHistory, path: pd.Series, entry_day: pd.Timestamp, after: pd.Index
) -> date | None:
    hits = pd.Series(False, index=path.index)
    if call.stop_pct is not None:
        hits |= path <= call.stop_pct
    if call.stop is not None and not call.relative:
        quoted = history.close[call.ticker].dropna()
        # Rescale the published stop by any split since publication: the entry close as
        # published vs the same day's quoted close in today's (split-adjusted) series.
        published_entry = call.entry.get(call.ticker)
        scale = float(quoted.loc[entry_day] / published_entry) if published_entry else 1.0
        threshold = call.stop * scale
        later = quoted.reindex(after)
        crossed = later < threshold if call.direction == "long" else later > threshold
        hits |= crossed.reindex(path.index, fill_value=False)
    if not hits.any():
        return None
    return pd.Timestamp(hits.index[int(hits.to_numpy().argmax())]).date()


@dataclass(frozen=True)
class TrackRecord:
    """Hit rate and results over a set of scored calls."""

    label: str
    calls: int
    scored: int
    hits: int
    mean_pct: float | None
    median_pct: float | None

    @property
    def hit_rate_pct(self) -> float | None:
        """Share of scored calls with a positive result."""
        return None if not self.scored else 100.0 * self.hits / self.scored


def track_record(label: str, scores: Sequence[CallScore]) -> TrackRecord:
    """Aggregate ``scores``: calls with a result count toward the hit rate."""
    results = [s.result_pct for s in scores if s.result_pct is not None]
    return TrackRecord(
        label=label,
        calls=len(scores),
        scored=len(results),
        hits=sum(1 for r in results if r > 0),
        mean_pct=float(np.mean(results)) if results else None,
        median_pct=float(np.median(results)) if results else None,
    )


def suggest_calls(
    report: Any,
    *,
    horizon_weeks: int,
    max_calls: int,
    open_positions: Iterable[str] = (),
) -> list[Call]:
    """Calls the draft suggests from this week's events; the editor keeps, edits or drops them.

    A fresh, notable relative breakout (a relative base, a multi-year or a 52-week relative
    high whose prior high stood for a quarter) suggests ``long A vs B`` with a stop 4% of
    relative return below entry; a fresh base breakout or notable all-time-high breakout
    suggests ``long T`` with a stop on a weekly close 5% under the old ceiling (the breakout
    has failed by then, SIGNALS.md §3.3). Pullbacks reclaimed within a quarter suggest nothing.
    """
    taken = {p.lower() for p in open_positions}
    as_of: date = report.as_of
    calls: list[Call] = []

    def add(call: Call) -> None:
        if call.position.lower() not in taken and len(calls) < max_calls:
            taken.add(call.position.lower())
            calls.append(call)

    relative_kinds = ("rel_base_breakout", "rel_breakout_multi_year", "rel_breakout_52w")
    for pair in report.pairs:
        for event in pair.events:
            if event.weeks_ago > 0 or event.kind not in relative_kinds or not event.notable:
                continue
            span = {
                "rel_base_breakout": "above a relative base",
                "rel_breakout_multi_year": "at a multi-year relative high",
            }.get(event.kind, "at a 52-week relative high")
            add(
                Call(
                    id=f"{as_of.isoformat()}-long-{pair.long}-vs-{pair.short}".lower(),
                    direction="long",
                    ticker=pair.long,
                    benchmark=pair.short,
                    category=pair.category,
                    thesis=(
                        f"{pair.long}/{pair.short} made its first weekly close {span}."
                    ),
                    entry={pair.long: _close(report, pair.long), pair.short: _close(report, pair.short)},
                    horizon_weeks=horizon_weeks,
                    stop_pct=-4.0,
                )
            )
            break
    for item in report.instruments.values():
        for event in item.events:
            fresh = event.weeks_ago == 0 and event.notable
            if event.kind not in ("base_breakout", "ath_breakout") or not fresh:
                continue
            what = "the ceiling of its base" if event.kind == "base_breakout" else "its all-time high"
            add(
                Call(
                    id=f"{as_of.isoformat()}-long-{item.ticker}".lower(),
                    direction="long",
                    ticker=item.ticker,
                    benchmark=None,
                    category=item.category,
                    thesis=f"{item.ticker} made its first weekly close above {what} of {event.level:.2f}.",
                    entry={item.ticker: item.last_close},
                    horizon_weeks=horizon_weeks,
                    stop=round(event.level * 0.95, 2),
                )
            )
            break
    return calls


def _close(report: Any, ticker: str) -> float:
    item = report.instruments.get(ticker)
    return float(item.last_close) if item is not None else float("nan")
