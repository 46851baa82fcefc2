"""Breakouts of the bases found by ``bases.detect_bases``: the first close above a valid base's
ceiling, its failure, and the re-anchoring rule that keeps a breakout from firing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.config import BaseSettings
from generator.signals.bases import BaseArrays, is_v


@dataclass(frozen=True)
class BreakoutRecord:
    """A breakout found at a queried row, with the base it left (all values at that week)."""

    column: int
    row: int
    close: float
    ceiling: float
    floor: float
    start_row: int
    length_weeks: int
    touches: int
    failed_row: int | None  # the first close below ceiling*(1 - fail_tol) within the fail window
    failed_close: float | None


def breakout_records(closes: np.ndarray, bases: BaseArrays, params: BaseSettings) -> list[BreakoutRecord]:
    """Breakouts at the queried rows: a valid base and the first close above its ceiling.

    ``C_t > H_t*(1 + buffer)`` and ``C_{t-1} <= H_{t-1}*(1 + buffer)``; the second test needs the
    previous row, so the first queried row never reports one. Each is checked for failure
    over the following ``fail_window_weeks`` rows that exist.

    A re-anchored base is not a new breakout: once a breakout has happened, the window at a
    later week sees a "base" whose ceiling is a post-breakout close, and the next close above
    it would fire again (IWM broke out of its 157-week base on 2024-11-08, and its 2024-11-22
    close topped the 11-08 close). So a candidate is dropped when an earlier candidate of the
    same column within ``hold_weeks`` had not failed by then and this candidate's ceiling was
    set at or after that earlier breakout week. A bigger base whose ceiling is older still
    counts. The rule looks back ``hold_weeks`` candidates only, so a caller that needs exact
    events from row ``r`` on must query rows from ``r - hold_weeks - 1``.

    A candidate whose base is a sharp V (``bases.is_v``) is no breakout and is not
    tracked: a fall and recovery within months is not a base.
    """
    values = np.asarray(closes, dtype="float64")
    rows = bases.rows
    lift = 1.0 + params.breakout_buffer_pct / 100.0
    current = values[rows]
    with np.errstate(invalid="ignore"):
        above = bases.valid & (current > bases.ceiling * lift)
        was_above = np.zeros_like(above)
        previous = values[np.maximum(rows - 1, 0)]
        was_above[1:] = ~(previous[1:] <= bases.ceiling[:-1] * lift)
    consecutive = np.zeros(len(rows), dtype=bool)
    consecutive[1:] = rows[1:] == rows[:-1] + 1
    fired = above & ~was_above & consecutive[:, None]
    records: list[BreakoutRecord] = []
    earlier: dict[int, BreakoutRecord] = {}  # the latest candidate per column, kept or not
    queries, cols = np.nonzero(fired)
    for q, col in sorted(zip(queries.tolist(), cols.tolist(), strict=True), key=lambda qc: (qc[1], qc[0])):
        record = _record(values, bases, q, col, params)
        if is_v(params, values[record.start_row : record.row, col], record.ceiling, record.floor):
            continue
        prior = earlier.get(col)
        earlier[col] = record
        if prior is not None and _re_anchored(values, record, prior, params):
            continue
        records.append(record)
    return records


def _record(values: np.ndarray, bases: BaseArrays, q: int, col: int, params: BaseSettings) -> BreakoutRecord:
    t = int(bases.rows[q])
    ceiling = float(bases.ceiling[q, col])
    after = values[t + 1 : t + 1 + params.fail_window_weeks, col]
    with np.errstate(invalid="ignore"):
        broken = np.flatnonzero(after < ceiling * (1.0 - params.fail_tol_pct / 100.0))
    failed_row = t + 1 + int(broken[0]) if len(broken) else None
    return BreakoutRecord(
        column=col,
        row=t,
        close=float(values[t, col]),
        ceiling=ceiling,
        floor=float(bases.floor[q, col]),
        start_row=int(bases.start[q, col]),
        length_weeks=int(bases.length_weeks[q, col]),
        touches=int(bases.touches[q, col]),
        failed_row=failed_row,
        failed_close=float(values[failed_row, col]) if failed_row is not None else None,
    )


def _re_anchored(
    values: np.ndarray, record: BreakoutRecord, prior: BreakoutRecord, params: BaseSettings
) -> bool:
    """True when ``record``'s ceiling is a close from ``prior``'s breakout week on (see above)."""
    if record.row - prior.row > params.hold_weeks:
        return False
    if prior.failed_row is not None and prior.failed_row < record.row:
        return False
    window = values[record.start_row : record.row, record.column]
    ceiling_row = record.start_row + int(np.argmax(window >= record.ceiling))
    return ceiling_row >= prior.row
