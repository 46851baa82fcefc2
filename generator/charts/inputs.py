"""Small frozen inputs the chart builders take, so the pipeline maps signals onto them.

They hold values, not signal-report objects: the chart code does not change when the
signals stage reshapes its report, only the few lines in the pipeline that fill these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd


@dataclass(frozen=True)
class Breakout:
    """A breakout to mark: the first close through ``level`` on ``day``.

    ``level`` is in the units of the series it marks (a quoted price, or a raw ratio for a
    relative breakout: the ratio chart rebases it the way it rebases the ratio).
    """

    day: date
    level: float
    label: str = "Breakout"


@dataclass(frozen=True)
class Mark:
    """A dated point a story refers to: a multi-year low or high, a cross of the 200-day average.

    Drawn as a dot on the series at the last close on or before ``day``, with a callout that
    reads ``label`` and the date ("3-year low, 3 Apr 2025"). ``kind`` picks the dot's colour:
    ``low`` and ``cross_down`` the down colour, ``high`` and ``cross_up`` the up colour.
    """

    day: date
    label: str
    kind: str = "point"  # low, high, cross_up, cross_down, point


# How a series' closes are adjusted, for the words on the chart (DESIGN.md principle 2).
CLOSE_WORDS = {
    "quoted": "Quoted closes",
    "adjusted": "Dividend-adjusted closes",
    "single": "Closes as the source gives them (one close only)",
}


@dataclass(frozen=True)
class BaseBox:
    """A base: a range with a fixed ceiling and floor between ``start`` and ``end`` (quoted prices)."""

    start: date
    end: date
    ceiling: float
    floor: float
    label: str | None = None  # default: "2.5-year base" / "34-week base" from the length

    @property
    def length_weeks(self) -> int:
        """Whole weeks from start to end."""
        return (self.end - self.start).days // 7

    def describe(self) -> str:
        """The label drawn on the box."""
        if self.label:
            return self.label
        weeks = self.length_weeks
        if weeks < 52:
            return f"{weeks}-week base"
        years = round(weeks / 52, 1)
        return f"{years:g}-year base"


@dataclass(frozen=True)
class RRGTail:
    """One instrument on a relative rotation graph: its weekly (RS-Ratio, RS-Momentum) points.

    ``points`` has a DatetimeIndex of weekly closes (oldest first) and the columns
    ``rs_ratio`` and ``rs_momentum``, both centred on 100 (SIGNALS.md section 2.3).
    """

    ticker: str
    points: pd.DataFrame = field(compare=False)


@dataclass(frozen=True)
class CallPath:
    """One call's return since its publication close, for the performance chart.

    ``path_pct`` is the return in % per session after publication (CallScore.path): a
    relative return for a pair call, already negated for a short. ``invalidation_pct`` is
    the stop on the same scale (stop_pct for a pair call; ``100 * (stop / entry - 1)`` on
    quoted prices for a price stop).
    """

    call_id: str
    position: str  # "long IWM vs IWB"
    published: date
    path_pct: pd.Series = field(compare=False)
    status: str  # open, invalidated, expired, closed, pending
    invalidation_pct: float | None = None
    horizon_end: date | None = None
    invalidation_on: str | None = None  # "weekly close" (a price stop) or "daily close" (stop_pct)


@dataclass(frozen=True)
class CallOutcome:
    """One call's result on the track-record chart."""

    call_id: str
    position: str
    published: date
    result_pct: float | None  # None while no close has come after publication
    status: str
    benchmark_pct: float | None = None  # its benchmark over the same days (the other leg for a pair)
