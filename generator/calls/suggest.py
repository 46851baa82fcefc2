"""Calls a draft suggests: candidates (``generator.calls.stories``: the calls that follow the
week's stories) less open positions and same-bet duplicates; the editor keeps, edits or drops them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from generator.calls.model import Call

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
    follow, ``generator.calls.stories``); the editor keeps, edits or drops them.

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
