"""The signal report: plain frozen dataclasses that drafts, charts and JSON read.

Field names here are the stable JSON keys of ``rotation signals --json`` (documented in
README.md, "Signals JSON"); add fields, do not rename them. A value that needs more history
than there is is ``None`` (JSON ``null``), and a state that cannot be read yet is the string
``"insufficient history"``, never a guess.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date
from typing import Any

from generator.data.prices import DataNote
from generator.signals.ratio_history import RatioHistory

INSUFFICIENT = "insufficient history"


@dataclass(frozen=True)
class Event:
    """Something that happened on one weekly close: a breakout, a failure, a rotation.

    Kinds: ``ath_breakout``, ``high_<N>y_breakout``, ``base_breakout``, ``base_breakout_failed``
    (quoted closes); ``rel_breakout_52w``, ``rel_breakout_multi_year``, ``rel_base_breakout``,
    ``rel_breakout_failed`` (ratios). ``notable`` is False for a new high whose prior high
    stood only briefly (a pullback reclaimed), which headlines and calls leave out.
    """

    kind: str
    day: date
    level: float
    close: float
    weeks_ago: int
    detail: dict[str, Any] = field(default_factory=dict)
    notable: bool = True


@dataclass(frozen=True)
class BaseState:
    """The base detector as of the week (SIGNALS.md §3.3).

    ``state``: none, forming, attempting, breakout, post_breakout, failed, or
    "insufficient history". For breakout, post_breakout and failed, the base fields describe
    the base that was broken (kept from the breakout week), not a re-detected one.
    """

    state: str
    wording: str | None  # base, multi-year base, massive base
    length_weeks: int | None
    length_years: float | None
    start_day: date | None
    ceiling: float | None
    floor: float | None
    depth_pct: float | None
    touches: int | None
    pct_from_ceiling: float | None  # 100 * (close / ceiling - 1)
    weeks_in_band: int | None  # consecutive weekly closes within attempt_band_pct of the ceiling
    breakout: Event | None = None  # the breakout this state refers to


@dataclass(frozen=True)
class CorrelationSignals:
    """Co-movement of two legs on dividend-adjusted log returns (SIGNALS.md §4.1)."""

    corr_by_days: dict[str, float | None]  # Pearson correlation of daily returns, by window
    corr_weekly: float | None  # over corr_weeks weekly returns
    beta: float | None  # cov/var over beta_days
    rel_vol: float | None  # SD ratio over the first corr window
    corr_rank_pct: float | None  # percentile of the first corr window in its last rank_days values


@dataclass(frozen=True)
class RelativeSignals:
    """One ETF against another, on adjusted closes (basis A)."""

    long: str
    short: str
    label: str
    category: str
    trend: str  # up, down, neutral, or "insufficient history"
    ratio: float | None  # the last ratio long/short
    ratio_rebased: float | None  # 100 at the first common close of the 3-year chart window
    vs_sma_fast_pct: float | None
    vs_sma_slow_pct: float | None
    sma_cross: int | None  # +1 fast above slow, -1 below
    sma_slow_slope_pct: float | None
    trend_slope_ann_pct: float | None  # 63-day OLS slope of ln R, x 252, in percent
    range_pos_52w: float | None
    at_52w_high: bool | None
    at_52w_low: bool | None
    mansfield: float | None
    change_13w_pct: float | None
    history_weeks: int
    base: BaseState
    correlation: CorrelationSignals
    events: list[Event] = field(default_factory=list)
    history: RatioHistory | None = None  # weekly turns and multi-year extremes (ratio_history.py)


@dataclass(frozen=True)
class VolatilitySignals:
    """Volatility contraction on quoted closes (SIGNALS.md §3.5)."""

    bb_width_pct: float | None  # 100 * 4 * SD_20 / SMA_20
    bb_width_rank: float | None  # share of the last bb_rank_days widths <= today's, 0..1
    contraction: bool | None  # rank <= bb_rank_max
    squeeze: bool | None  # Bollinger bands inside Keltner channels (needs highs and lows)


@dataclass(frozen=True)
class TailPoint:
    """One weekly point of a Relative Rotation Graph tail."""

    day: date
    rs_ratio: float
    rs_momentum: float


@dataclass(frozen=True)
class RRGPoint:
    """One instrument on the Relative Rotation Graph against its benchmark (SIGNALS.md §2.3)."""

    ticker: str
    benchmark: str
    method: str
    rs_ratio: float | None
    rs_momentum: float | None
    quadrant: str  # Leading, Weakening, Lagging, Improving, or "insufficient history"
    previous_quadrant: str | None
    rotation: str | None  # "Improving -> Leading" when the quadrant changed this week
    weeks_in_quadrant: int | None
    heading_deg: float | None  # atan2 of the last step, 0-360, 0-90 is north-east
    velocity: float | None  # length of the last step
    tail_length: float | None  # sum of the step lengths along the tail
    distance: float | None  # from (100, 100)
    tail: list[TailPoint] = field(default_factory=list)


@dataclass(frozen=True)
class BreadthSnapshot:
    """Breadth of one ticker list on the as-of session (SIGNALS.md §4.2)."""

    label: str
    members: int
    eligible: int  # with enough history and a bar on the session
    excluded: list[str]  # stale or too new, by name
    pct_above_sma: dict[str, float | None]  # by SMA days, on adjusted closes
    pct_above_rising_sma: float | None  # "JC breadth": above a rising slow SMA
    new_highs: int | None
    new_lows: int | None
    net_new_highs: int | None
    net_new_highs_pct: float | None
    high_low_index: float | None  # SMA of 100 * NH / (NH + NL)
    pct_above_slow_sma_4w_ago: float | None


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
    stale: bool  # no bar in the as-of week
    history_weeks: int
    last_close: float
    change_1w_pct: float | None
    change_13w_pct: float | None
    change_52w_pct: float | None
    ath_level: float | None  # highest weekly close since the first bar
    ath_day: date | None  # the week (its Friday) of that close
    pct_from_ath: float | None  # 100 * (this week's close / ath_level - 1)
    at_ath: bool | None  # this week's close is the highest weekly close (= ath_level)
    weeks_since_ath: int | None  # weekly closes since the highest weekly close (0: this week's)
    high_52w: float | None  # highest of the last 52 weekly closes
    pct_from_52w_high: float | None
    one_close: bool
    relative: RelativeSignals | None
    base: BaseState
    volatility: VolatilitySignals
    rrg: RRGPoint | None
    events: list[Event] = field(default_factory=list)
    record_weeks: int = 0  # weekly closes in a row at an all-time high, ending this week
    week_change_since: date | None = None  # the last week moving at least change_1w_pct this way
    week_change_weeks: int | None = None  # weeks back to it (none: not in the data)


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
    rrg: list[RRGPoint] = field(default_factory=list)
    breadth: list[BreadthSnapshot] = field(default_factory=list)

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
