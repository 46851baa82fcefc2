"""The signal report: plain frozen dataclasses that drafts, charts and JSON read.

Key names here are the stable JSON keys of ``rotation signals --json`` (documented in
README.md); add fields, do not rename them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date
from typing import Any

from generator.prices import DataNote

INSUFFICIENT = "insufficient history"


@dataclass(frozen=True)
class Event:
    """Something that happened on one weekly close: a breakout, a failure, a rotation."""

    kind: str  # ath_breakout, high_52w_breakout, n_year_high_breakout, rel_breakout_52w, ...
    day: date
    level: float
    close: float
    weeks_ago: int
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RelativeSignals:
    """One ETF against another, on adjusted closes (basis A)."""

    long: str
    short: str
    label: str
    category: str
    trend: str  # up, down, neutral, or "insufficient history"
    ratio_rebased: float | None  # 100 at the first common close of the chart window
    vs_sma_fast_pct: float | None
    vs_sma_slow_pct: float | None
    sma_cross: int | None  # +1 fast above slow, -1 below
    sma_slow_slope_pct: float | None
    range_pos_52w: float | None
    at_52w_high: bool | None
    at_52w_low: bool | None
    mansfield: float | None
    change_13w_pct: float | None
    events: list[Event] = field(default_factory=list)


@dataclass(frozen=True)
class InstrumentSignals:
    """One ETF: levels on quoted closes (basis B), returns on adjusted closes (basis A)."""

    ticker: str
    name: str
    group: str | None
    category: str
    benchmark: str | None
    first_bar: date
    last_bar: date
    history_weeks: int
    last_close: float
    change_1w_pct: float | None
    change_13w_pct: float | None
    change_52w_pct: float | None
    ath_level: float | None
    ath_day: date | None
    pct_from_ath: float | None
    at_ath: bool | None
    high_52w: float | None
    pct_from_52w_high: float | None
    one_close: bool
    relative: RelativeSignals | None
    events: list[Event] = field(default_factory=list)


@dataclass(frozen=True)
class Headline:
    """A sentence for the issue, the numbers behind it, and how much it matters (0-100)."""

    title: str  # short form for an issue title: "ARKX at a new all-time high"
    text: str
    score: float
    kind: str
    tickers: list[str]
    category: str
    numbers: dict[str, float | str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class SignalReport:
    """Everything computed as of one date, from bars dated on or before it."""

    as_of: date
    last_session: date
    source_label: str
    synthetic: bool
    benchmark: str
    instruments: dict[str, InstrumentSignals]
    pairs: list[RelativeSignals]
    headlines: list[Headline]
    notes: list[DataNote]

    def to_jsonable(self) -> dict[str, Any]:
        """A JSON-ready dict: dates as ISO strings, NaN as null."""
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return value
