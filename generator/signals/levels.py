"""New-high events on weekly closes (SIGNALS.md §3.2 and §1.3), vectorised over tickers.

A new-high event is the first weekly close above the prior high:
``C_t > max(C_{t-L..t-1})`` and ``C_{t-1} <= max(C_{t-L-1..t-2})`` (``L`` = all history for an
all-time high). Each event records how long the prior high stood: ``weeks_since_high`` is
``t`` minus the week the prior high was set, so a one-week pullback that is reclaimed the
next week has ``weeks_since_high == 2``.

Why a minimum age: in a bull market an ETF reclaims its high after every short pullback. On
the 85 real ETFs in ../shared/data (1993-2026) there are 5,401 first closes above an
all-time high; half of them come 4 weeks or less after the prior high, and only 18% after
13 weeks or more. A letter that headlines all of them says "new all-time high" about a third
of its universe every month. ``min_high_age_weeks = 13`` (the prior high stood for at least
a quarter) keeps the breakouts a reader would call one (SPY and QQQ in December 2023 after
102 and 108 weeks, IWM in November 2024 after 157) and leaves the rest as ``notable=False``
events and the ``at_ath`` state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.signals.frames import window_view
from generator.signals.report import Event


@dataclass(frozen=True)
class HighSpec:
    """One kind of new-high event: its name and lookback (None: since the first bar)."""

    kind: str
    lookback_weeks: int | None
    min_history_weeks: int | None = None  # None: the full lookback


def running_high(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All-time high up to each row (NaN-skipping) and the row it was set on (-1 before data)."""
    running = np.fmax.accumulate(values, axis=0)
    rows = np.arange(values.shape[0])[:, None]
    with np.errstate(invalid="ignore"):
        set_here = values >= running
    return running, np.maximum.accumulate(np.where(set_here, rows, -1), axis=0)


def prior_high(values: np.ndarray, spec: HighSpec, first_row: int) -> np.ndarray:
    """``max(C_{t-L..t-1})`` for rows ``first_row..n-1`` (NaN while the window is not full).

    With ``min_history_weeks`` below the lookback, missing weeks at the start of a window
    (before the fund existed) are skipped as long as that many closes are there.
    """
    if spec.lookback_weeks is None:
        running, _ = running_high(values)
        shifted = np.vstack([np.full((1, values.shape[1]), np.nan), running[:-1]])
        return shifted[first_row:]
    lookback = spec.lookback_weeks
    need = spec.min_history_weeks or lookback
    rows = values.shape[0] - first_row
    prior = np.vstack([np.full((1, values.shape[1]), np.nan), values[:-1]])
    windows = window_view(prior, lookback, rows)
    count = (~np.isnan(windows)).sum(axis=2)
    with np.errstate(invalid="ignore"):
        high = np.fmax.reduce(windows, axis=2)
    return np.where(count >= need, high, np.nan)


def new_high_events(
    values: np.ndarray,
    weeks: np.ndarray,
    spec: HighSpec,
    *,
    recent_weeks: int,
    min_high_age_weeks: int,
) -> list[list[Event]]:
    """Per column, the new-high events of the last ``recent_weeks`` weeks (oldest first)."""
    n, m = values.shape
    out: list[list[Event]] = [[] for _ in range(m)]
    first = max(1, n - recent_weeks - 2)
    if n < 2:
        return out
    prior = prior_high(values, spec, first - 1)  # rows first-1 .. n-1
    current = values[first - 1 :]
    with np.errstate(invalid="ignore"):
        above = current > prior
    fired = above[1:] & ~above[:-1]
    running, all_time_rows = running_high(values)
    set_rows = all_time_rows if spec.lookback_weeks is None else None
    last = n - 1
    for q, col in zip(*np.nonzero(fired), strict=True):
        t = first + int(q)
        if last - t > recent_weeks:
            continue
        level = float(prior[q + 1, col])
        close = float(values[t, col])
        if set_rows is not None:
            high_row = int(set_rows[t - 1, col])
        else:
            assert spec.lookback_weeks is not None
            window = values[max(0, t - spec.lookback_weeks) : t, col]
            high_row = t - len(window) + int(np.flatnonzero(window == np.nanmax(window))[-1])
        age = t - high_row
        detail: dict[str, object] = {
            "margin_pct": round(100.0 * (close / level - 1.0), 2),
            "prior_high_day": weeks[high_row].isoformat(),
            "weeks_since_high": age,
        }
        if spec.lookback_weeks is None:
            detail["first_bar"] = weeks[int(np.argmax(~np.isnan(values[:, col])))].isoformat()
        else:
            detail["lookback_weeks"] = spec.lookback_weeks
            detail["all_time"] = bool(close > running[t - 1, col])
        out[col].append(
            Event(spec.kind, weeks[t], level, close, last - t, detail, notable=age >= min_high_age_weeks)
        )
    return out


def failed_high_events(
    values: np.ndarray,
    weeks: np.ndarray,
    events: list[list[Event]],
    *,
    kind: str,
    fail_tol_pct: float,
    fail_window_weeks: int,
) -> list[list[Event]]:
    """For each event, the first weekly close below ``level*(1 - fail_tol_pct/100)`` within the window."""
    last = len(weeks) - 1
    out: list[list[Event]] = [[] for _ in events]
    for col, column_events in enumerate(events):
        for event in column_events:
            row = last - event.weeks_ago
            after = values[row + 1 : row + 1 + fail_window_weeks, col]
            with np.errstate(invalid="ignore"):
                below = np.flatnonzero(after < event.level * (1.0 - fail_tol_pct / 100.0))
            if not len(below):
                continue
            at = row + 1 + int(below[0])
            close = float(values[at, col])
            out[col].append(
                Event(
                    kind,
                    weeks[at],
                    event.level,
                    close,
                    last - at,
                    {
                        "breakout_kind": event.kind,
                        "breakout_day": event.day.isoformat(),
                        "breakout_close": event.close,
                        "weeks_after_breakout": at - row,
                        "pct_from_level": round(100.0 * (close / event.level - 1.0), 2),
                    },
                    notable=event.notable,
                )
            )
    return out


def ath_specs(years: list[int]) -> list[HighSpec]:
    """The all-time high and each N-year high of ``ath_years``."""
    return [HighSpec("ath_breakout", None)] + [HighSpec(f"high_{n}y_breakout", 52 * n) for n in sorted(years)]


def weekly_ath_state(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column at the last row: at the all-time weekly high, and weeks since it was set."""
    if values.shape[0] == 0:
        empty = np.zeros(values.shape[1])
        return empty.astype(bool), empty
    running, set_rows = running_high(values)
    last = values[-1]
    with np.errstate(invalid="ignore"):
        at = last >= running[-1]
    since = np.where(set_rows[-1] >= 0, values.shape[0] - 1 - set_rows[-1], -1)
    return at & ~np.isnan(last), since
