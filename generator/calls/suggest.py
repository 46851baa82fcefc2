"""Calls a draft suggests from the week's signals; the editor keeps, edits or drops them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import pandas as pd

from generator.calls.model import Call
from generator.signals.report import Event, SignalReport

RELATIVE_CALL_KINDS = ("rel_base_breakout", "rel_breakout_multi_year", "rel_breakout_52w")
ABSOLUTE_CALL_KINDS = ("base_breakout", "ath_breakout")
RELATIVE_STOP_PCT = -4.0
ABSOLUTE_STOP_UNDER_LEVEL_PCT = 5.0
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
    report: SignalReport,
    *,
    horizon_weeks: int,
    max_calls: int,
    open_positions: Iterable[str] = (),
    adj_close: pd.DataFrame | None = None,
    max_overlap_corr: float = MAX_OVERLAP_CORR,
) -> list[Call]:
    """Calls the draft suggests from this week's events; the editor keeps, edits or drops them.

    A fresh, notable relative breakout (a relative base, a multi-year or a 52-week relative
    high whose prior high stood for a quarter) suggests ``long A vs B`` with a stop at a
    ``RELATIVE_STOP_PCT`` relative return; a fresh base breakout or notable all-time-high
    breakout suggests ``long T`` with a stop on a weekly close 5% under the old ceiling (the
    breakout has failed by then, SIGNALS.md §3.3). Pullbacks reclaimed within a quarter
    suggest nothing.

    Candidates are taken in the order of the week's headlines (the score of the best headline
    naming the ticker, or both legs of a pair). A call whose daily returns (``position_returns``
    over ``adj_close``, cut at the as-of date) correlate at ``max_overlap_corr`` or more with
    those of one already chosen is the same bet and is left out: SPY and IWB broke out
    together in December 2023 at a correlation of 0.99, and IWM vs IWB and IWM vs SPY are one
    small-cap bet. A position already open is not suggested again.
    """
    taken = {p.lower() for p in open_positions}
    candidates = [*_pair_candidates(report, horizon_weeks), *_instrument_candidates(report, horizon_weeks)]
    scores = _headline_scores(report)
    ranked = sorted(candidates, key=lambda c: -_call_score(c, scores))  # stable: ties keep their order
    calls: list[Call] = []
    for call in ranked:
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


def _headline_scores(report: SignalReport) -> dict[frozenset[str], float]:
    """The best headline score per ticker set: each ticker alone, and the set a headline names."""
    scores: dict[frozenset[str], float] = {}
    for headline in report.headlines:
        keys = [frozenset(headline.tickers), *(frozenset([t]) for t in headline.tickers)]
        for key in keys:
            scores[key] = max(scores.get(key, 0.0), float(headline.score))
    return scores


def _call_score(call: Call, scores: Mapping[frozenset[str], float]) -> float:
    legs = frozenset([call.ticker, call.benchmark] if call.benchmark else [call.ticker])
    return scores.get(legs, 0.0)


def _pair_candidates(report: SignalReport, horizon_weeks: int) -> list[Call]:
    as_of: date = report.as_of
    out: list[Call] = []
    for pair in report.pairs:
        event = next(
            (e for e in pair.events if e.weeks_ago == 0 and e.notable and e.kind in RELATIVE_CALL_KINDS),
            None,
        )
        if event is None:
            continue
        out.append(
            Call(
                id=f"{as_of.isoformat()}-long-{pair.long}-vs-{pair.short}".lower(),
                direction="long",
                ticker=pair.long,
                benchmark=pair.short,
                category=pair.category,
                thesis=_relative_thesis(pair.long, pair.short, event),
                entry={pair.long: _close(report, pair.long), pair.short: _close(report, pair.short)},
                horizon_weeks=horizon_weeks,
                stop_pct=RELATIVE_STOP_PCT,
            )
        )
    return out


def _instrument_candidates(report: SignalReport, horizon_weeks: int) -> list[Call]:
    as_of: date = report.as_of
    out: list[Call] = []
    for item in report.instruments.values():
        fresh = [e for e in item.events if e.weeks_ago == 0 and e.notable and e.kind in ABSOLUTE_CALL_KINDS]
        if not fresh:
            continue
        # A base breakout says more than the all-time high it may also be.
        event = min(fresh, key=lambda e: ABSOLUTE_CALL_KINDS.index(e.kind))
        stop = round(event.level * (1.0 - ABSOLUTE_STOP_UNDER_LEVEL_PCT / 100.0), 2)
        out.append(
            Call(
                id=f"{as_of.isoformat()}-long-{item.ticker}".lower(),
                direction="long",
                ticker=item.ticker,
                benchmark=None,
                category=item.category,
                thesis=_absolute_thesis(item.ticker, event),
                entry={item.ticker: item.last_close},
                horizon_weeks=horizon_weeks,
                stop=stop,
            )
        )
    return out


def _span(weeks: int) -> str:
    return f"{weeks / 52.0:.1f}-year" if weeks >= 52 else f"{weeks}-week"


def _month_year(iso_day: object) -> str:
    try:
        return date.fromisoformat(str(iso_day)).strftime("%B %Y")
    except ValueError:
        return str(iso_day)


def _relative_thesis(long: str, short: str, event: Event) -> str:
    """One line with the numbers behind a relative call."""
    detail = event.detail
    margin = detail.get("margin_pct")
    margin_text = f" ({margin:+.1f}%)" if isinstance(margin, int | float) else ""
    if event.kind == "rel_base_breakout" and detail.get("length_weeks"):
        what = f"above the ceiling of a {_span(int(detail['length_weeks']))} relative base{margin_text}"
    elif detail.get("prior_high_day"):
        span = "multi-year" if event.kind == "rel_breakout_multi_year" else "52-week"
        since = _month_year(detail["prior_high_day"])
        what = f"at a {span} relative high{margin_text}, the first since {since}"
    else:
        what = f"at a new relative high{margin_text}"
    return f"{long}/{short} made its first weekly close {what}."


def _absolute_thesis(ticker: str, event: Event) -> str:
    """One line with the numbers behind an absolute call."""
    detail = event.detail
    if event.kind == "base_breakout" and detail.get("length_weeks"):
        since = f", held since {_month_year(detail['start_day'])}" if detail.get("start_day") else ""
        what = (
            f"closed at {event.close:.2f}, above the {event.level:.2f} ceiling of a "
            f"{_span(int(detail['length_weeks']))} base{since}"
        )
    else:
        since = f" of {_month_year(detail['prior_high_day'])}" if detail.get("prior_high_day") else ""
        what = (
            f"closed at {event.close:.2f}, its first weekly close above the "
            f"{event.level:.2f} all-time high{since}"
        )
    return f"{ticker} {what}."


def _close(report: SignalReport, ticker: str) -> float:
    item = report.instruments.get(ticker)
    return float(item.last_close) if item is not None else float("nan")
