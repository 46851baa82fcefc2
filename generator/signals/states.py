"""Base states and base events as of the last week, from the detector in ``bases.py``.

Only the last ``hold_weeks + 2`` weeks are evaluated: the state at week ``T`` depends on the
base at ``T`` and on breakouts within ``hold_weeks`` before it, and a breakout at ``t`` needs
the ceiling at ``t - 1``. A breakout found in that window is reported with the base it left
(its length, ceiling, floor, touches at the breakout week), so a later week says "broke out of
a 2.5-year base 6 weeks ago" rather than re-detecting a base that has since re-anchored on
the new highs (SIGNALS.md §3.3).

State at ``T`` (first match wins):

- ``breakout``: a breakout at ``T``;
- ``failed``: the latest breakout within ``hold_weeks`` closed below
  ``ceiling*(1 - fail_tol_pct/100)`` within ``fail_window_weeks`` of it, and ``C_T`` is not
  back above ``ceiling*(1 + breakout_buffer_pct/100)`` (a failed breakout that has since
  reclaimed its ceiling reads as ``post_breakout``: XLY failed in 2024 and stood 17% above
  the old ceiling at a record by November, where "failed" misled);
- ``post_breakout``: that breakout held and ``C_T >= ceiling*(1 - fail_tol_pct/100)``;
- ``attempting``: a valid base and ``C_T >= H*(1 - attempt_band_pct/100)``, unless the fund is
  making new highs: a ceiling that is the highest close of all history and was first reached
  within the last ``touch_gap_weeks`` weeks is the top of an advance, not of a base (IWR "attempting to
  complete a 42-week base, 0.0% under the 95.49 ceiling" was at its record), so ``none``;
- ``forming``: a valid base with the close lower in its range;
- a valid base that is a sharp V (``bases.is_v``) is ``none``: no base;
- ``none``; or "insufficient history" with fewer than ``min_weeks + 1`` weekly closes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from generator.config import BaseSettings
from generator.signals.bases import BaseArrays, base_wording, candidate_rows, detect_bases, is_v
from generator.signals.breakouts import BreakoutRecord, breakout_records
from generator.signals.report import INSUFFICIENT, BaseState, Event

WEEKS_PER_YEAR = 52.0


@dataclass(frozen=True)
class EventKinds:
    """Event names for quoted-price bases or ratio bases."""

    breakout: str = "base_breakout"
    failed: str = "base_breakout_failed"


RELATIVE_KINDS = EventKinds("rel_base_breakout", "rel_breakout_failed")


def base_states(
    weekly: np.ndarray,
    weeks: np.ndarray,
    params: BaseSettings,
    kinds: EventKinds = EventKinds(),
) -> tuple[list[BaseState], list[list[Event]]]:
    """The base state of every column at the last row, and its base events in the last ``hold_weeks``."""
    n, m = weekly.shape
    if n < 2:
        empty = [_insufficient() for _ in range(m)]
        return empty, [[] for _ in range(m)]
    # Breakouts of the last hold_weeks, and the hold_weeks before them that decide whether a
    # breakout is a re-anchored one (breakout_records).
    rows = np.arange(max(1, n - 2 * params.hold_weeks - 3), n)
    parts = [_detect(weekly[:, lo : lo + COLUMN_CHUNK], rows, params, lo) for lo in range(0, m, COLUMN_CHUNK)]
    bases = BaseArrays(rows, *(np.hstack([getattr(b, f) for b, _ in parts]) for f in _ARRAY_FIELDS))
    records = [r for _, chunk in parts for r in chunk if n - 1 - r.row <= params.hold_weeks]
    by_column: dict[int, list[BreakoutRecord]] = {}
    for record in records:
        by_column.setdefault(record.column, []).append(record)
    history = np.sum(~np.isnan(weekly), axis=0)
    in_band = _weeks_in_band(weekly, bases, params)
    states: list[BaseState] = []
    events: list[list[Event]] = []
    for col in range(m):
        mine = by_column.get(col, [])
        column_events = [e for r in mine for e in _record_events(r, weekly, weeks, params, kinds)]
        events.append(sorted(column_events, key=lambda e: (e.weeks_ago, e.kind)))
        if history[col] < params.min_weeks + 1:
            states.append(_insufficient())
            continue
        states.append(_state(col, mine, weekly, weeks, bases, in_band, params, kinds))
    return states, events


# The detector's sparse tables take 2 x log2(weeks) x weeks x columns floats: 550 MB for 3,000
# tickers x 20 years at once, 47 MB per chunk of 256 columns. Columns are independent.
COLUMN_CHUNK = 256
_ARRAY_FIELDS = ("start", "ceiling", "floor", "length_weeks", "touches", "valid")


def _detect(
    weekly: np.ndarray, rows: np.ndarray, params: BaseSettings, offset: int
) -> tuple[BaseArrays, list[BreakoutRecord]]:
    """The detector and its breakouts for a block of columns (records renumbered by ``offset``)."""
    bases = detect_bases(weekly, rows, params, candidate_rows(weekly, rows, params))
    records = [replace(r, column=r.column + offset) for r in breakout_records(weekly, bases, params)]
    return bases, records


def _none() -> BaseState:
    return BaseState("none", None, None, None, None, None, None, None, None, None, None)


def _at_new_highs(before: np.ndarray, ceiling: float, params: BaseSettings) -> bool:
    """True when ``ceiling`` is the highest of ``before`` (every close before this week) and was
    first reached within the last ``touch_gap_weeks`` of them: the fund is making highs, not
    basing. A ceiling met again at the same level (a range's fourth test) is a base's.
    """
    with np.errstate(invalid="ignore"):
        if not len(before) or ceiling < np.nanmax(before):
            return False
        rows = np.flatnonzero(before >= ceiling)
    return len(rows) > 0 and len(before) - 1 - int(rows[0]) < params.touch_gap_weeks


def _insufficient() -> BaseState:
    return BaseState(INSUFFICIENT, None, None, None, None, None, None, None, None, None, None)


def _weeks_in_band(weekly: np.ndarray, bases: BaseArrays, params: BaseSettings) -> np.ndarray:
    """Consecutive closes up to the last row within attempt_band_pct of the last row's ceiling."""
    band = bases.ceiling[-1] * (1.0 - params.attempt_band_pct / 100.0)
    with np.errstate(invalid="ignore"):
        near = weekly >= band[None, :]
    run = np.cumprod(near[::-1], axis=0).sum(axis=0)
    return np.minimum(run, bases.length_weeks[-1] + 1)


def _base_fields(
    weeks: np.ndarray, start_row: int, length: int, ceiling: float, floor: float
) -> dict[str, object]:
    return {
        "length_weeks": length,
        "length_years": round(length / WEEKS_PER_YEAR, 2),
        "start_day": weeks[start_row],
        "ceiling": ceiling,
        "floor": floor,
        "depth_pct": round(100.0 * (ceiling - floor) / ceiling, 2),
    }


def _record_events(
    record: BreakoutRecord,
    weekly: np.ndarray,
    weeks: np.ndarray,
    params: BaseSettings,
    kinds: EventKinds,
) -> list[Event]:
    last = len(weeks) - 1
    base = _base_fields(weeks, record.start_row, record.length_weeks, record.ceiling, record.floor)
    detail = {
        **{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in base.items()},
        "touches": record.touches,
        "wording": base_wording(params, record.length_weeks),
        "margin_pct": round(100.0 * (record.close / record.ceiling - 1.0), 2),
    }
    out = [Event(kinds.breakout, weeks[record.row], record.ceiling, record.close, last - record.row, detail)]
    if record.failed_row is not None and record.failed_close is not None:
        out.append(
            Event(
                kinds.failed,
                weeks[record.failed_row],
                record.ceiling,
                record.failed_close,
                last - record.failed_row,
                {
                    "breakout_kind": kinds.breakout,
                    "breakout_day": weeks[record.row].isoformat(),
                    "breakout_close": record.close,
                    "weeks_after_breakout": record.failed_row - record.row,
                    "pct_from_ceiling": round(100.0 * (record.failed_close / record.ceiling - 1.0), 2),
                    "wording": base_wording(params, record.length_weeks),
                    "length_weeks": record.length_weeks,
                },
            )
        )
    return out


def _state(
    col: int,
    records: list[BreakoutRecord],
    weekly: np.ndarray,
    weeks: np.ndarray,
    bases: BaseArrays,
    in_band: np.ndarray,
    params: BaseSettings,
    kinds: EventKinds,
) -> BaseState:
    last = len(weeks) - 1
    close = float(weekly[last, col])
    latest = records[-1] if records else None
    if latest is not None and not np.isnan(close):
        tracked = _record_events(latest, weekly, weeks, params, kinds)[0]
        failed = latest.failed_row is not None
        held = close >= latest.ceiling * (1.0 - params.fail_tol_pct / 100.0)
        reclaimed = close > latest.ceiling * (1.0 + params.breakout_buffer_pct / 100.0)
        state = (
            "breakout"
            if latest.row == last
            else "failed"
            if failed and not reclaimed
            else "post_breakout"
            if held
            else None
        )
        if state is not None:
            fields = _base_fields(weeks, latest.start_row, latest.length_weeks, latest.ceiling, latest.floor)
            return BaseState(
                state=state,
                wording=base_wording(params, latest.length_weeks),
                touches=latest.touches,
                pct_from_ceiling=round(100.0 * (close / latest.ceiling - 1.0), 2),
                weeks_in_band=None,
                breakout=tracked,
                **fields,  # type: ignore[arg-type]
            )
    if not bases.valid[-1, col] or np.isnan(close):
        return _none()
    ceiling = float(bases.ceiling[-1, col])
    length = int(bases.length_weeks[-1, col])
    start = int(bases.start[-1, col])
    window = weekly[start:last, col]
    if is_v(params, window, ceiling, float(bases.floor[-1, col])):
        return _none()
    if _at_new_highs(weekly[:last, col], ceiling, params):
        return _none()
    pct = 100.0 * (close / ceiling - 1.0)
    attempting = pct >= -params.attempt_band_pct
    fields = _base_fields(weeks, int(bases.start[-1, col]), length, ceiling, float(bases.floor[-1, col]))
    return BaseState(
        state="attempting" if attempting else "forming",
        wording=base_wording(params, length),
        touches=int(bases.touches[-1, col]),
        pct_from_ceiling=round(pct, 2),
        weeks_in_band=int(in_band[col]) if attempting else 0,
        **fields,  # type: ignore[arg-type]
    )
