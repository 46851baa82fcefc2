"""Small signal objects for story tests: a fund, a pair, a base, an event, a ratio history."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from generator.signals.ratio_history import Crossing, RatioExtreme, RatioHistory
from generator.signals.report import (
    INSUFFICIENT,
    BaseState,
    BreadthSnapshot,
    CorrelationSignals,
    Event,
    InstrumentSignals,
    RelativeSignals,
    RRGPoint,
    SignalReport,
    VolatilitySignals,
)
from generator.stories.context import GroupInfo, StoryContext

AS_OF = date(2024, 11, 8)


def weeks_before(weeks: int) -> date:
    return AS_OF - timedelta(weeks=weeks)


def base(state: str = "none", **kw: Any) -> BaseState:
    fields: dict[str, Any] = dict(
        state=state,
        wording=None,
        length_weeks=None,
        length_years=None,
        start_day=None,
        ceiling=None,
        floor=None,
        depth_pct=None,
        touches=None,
        pct_from_ceiling=None,
        weeks_in_band=None,
        breakout=None,
    )
    fields.update(kw)
    return BaseState(**fields)


def event(
    kind: str, level: float, close: float, weeks_ago: int = 0, notable: bool = True, **detail: Any
) -> Event:
    return Event(kind, weeks_before(weeks_ago), level, close, weeks_ago, detail, notable=notable)


def base_event(level: float, close: float, length_weeks: int, weeks_ago: int = 0, **detail: Any) -> Event:
    wording = "massive base" if length_weeks >= 156 else "multi-year base" if length_weeks >= 104 else "base"
    fields = dict(
        length_weeks=length_weeks,
        length_years=round(length_weeks / 52, 2),
        start_day=weeks_before(length_weeks + weeks_ago).isoformat(),
        ceiling=level,
        floor=round(level * 0.75, 2),
        depth_pct=25.0,
        touches=3,
        wording=wording,
        margin_pct=round(100 * (close / level - 1), 2),
    )
    fields.update(detail)
    return event("base_breakout", level, close, weeks_ago, **fields)


def ath_event(
    level: float, close: float, weeks_since_high: int, weeks_ago: int = 0, notable: bool = True
) -> Event:
    return event(
        "ath_breakout",
        level,
        close,
        weeks_ago,
        notable,
        margin_pct=round(100 * (close / level - 1), 2),
        prior_high_day=weeks_before(weeks_since_high + weeks_ago).isoformat(),
        weeks_since_high=weeks_since_high,
    )


def fund(ticker: str = "XLV", name: str = "Health care", **kw: Any) -> InstrumentSignals:
    fields: dict[str, Any] = dict(
        ticker=ticker,
        name=name,
        group="sectors",
        category="sectors",
        benchmark="SPY",
        first_bar=date(2000, 1, 3),
        last_bar=AS_OF,
        stale=False,
        history_weeks=1300,
        last_close=100.0,
        change_1w_pct=0.5,
        change_13w_pct=4.0,
        change_52w_pct=10.0,
        ath_level=110.0,
        ath_day=date(2022, 1, 7),
        pct_from_ath=-9.09,
        at_ath=False,
        weeks_since_ath=150,
        high_52w=105.0,
        pct_from_52w_high=-4.76,
        one_close=True,
        relative=None,
        base=base(),
        volatility=VolatilitySignals(4.0, 0.5, False, None),
        rrg=None,
        events=[],
        record_weeks=0,
        week_change_since=None,
        week_change_weeks=None,
    )
    fields.update(kw)
    return InstrumentSignals(**fields)


def history(**kw: Any) -> RatioHistory:
    fields: dict[str, Any] = dict(
        day=AS_OF,
        crossings=[],
        slow_side_weeks=10,
        above_slow=True,
        slow_average=0.7,
        low=None,
        high=None,
        week_change_pct=0.4,
        week_change_since=weeks_before(3),
        week_change_weeks=3,
    )
    fields.update(kw)
    return RatioHistory(**fields)


def crossing(kind: str, direction: int = 1, prior_weeks: int = 40, since_weeks: int | None = 60) -> Crossing:
    last = weeks_before(since_weeks) if since_weeks is not None else None
    return Crossing(kind, direction, prior_weeks, last, 0.7)


def extreme(
    kind: str = "low", weeks_ago: int = 0, since_weeks: int | None = None, pct_from: float = 0.0
) -> RatioExtreme:
    day = weeks_before(weeks_ago)
    since = day - timedelta(weeks=since_weeks) if since_weeks is not None else None
    return RatioExtreme(kind, day, 0.66, weeks_ago, pct_from, since, date(2000, 5, 26))


def pair(long: str = "IWM", short: str = "IWB", **kw: Any) -> RelativeSignals:
    fields: dict[str, Any] = dict(
        long=long,
        short=short,
        label="Small caps vs large caps",
        category="size",
        trend="neutral",
        ratio=0.72,
        ratio_rebased=100.0,
        vs_sma_fast_pct=1.0,
        vs_sma_slow_pct=2.1,
        sma_cross=1,
        sma_slow_slope_pct=-0.2,
        trend_slope_ann_pct=5.0,
        range_pos_52w=0.6,
        at_52w_high=False,
        at_52w_low=False,
        mansfield=1.0,
        change_13w_pct=2.3,
        history_weeks=1200,
        base=base(),
        correlation=CorrelationSignals({"63": 0.8, "252": 0.85}, 0.8, 1.2, 1.3, 50.0),
        events=[],
        history=history(),
    )
    fields.update(kw)
    return RelativeSignals(**fields)


def report(
    instruments: list[InstrumentSignals] = (),  # type: ignore[assignment]
    pairs: list[RelativeSignals] = (),  # type: ignore[assignment]
    breadth: list[BreadthSnapshot] = (),  # type: ignore[assignment]
    rrg: list[RRGPoint] = (),  # type: ignore[assignment]
) -> SignalReport:
    return SignalReport(
        as_of=AS_OF,
        last_session=AS_OF,
        source_label="test",
        synthetic=False,
        benchmark="SPY",
        instruments={i.ticker: i for i in instruments},
        pairs=list(pairs),
        headlines=[],
        notes=[],
        rrg=list(rrg),
        breadth=list(breadth),
    )


NAMES = {
    "IWM": "Russell 2000 small caps",
    "IWB": "Russell 1000 large caps",
    "XLV": "Health care",
    "XLU": "Utilities",
    "XLK": "Technology",
    "XLE": "Energy",
    "PSCT": "Small-cap technology",
    "PSCU": "Small-cap utilities",
    "ARKG": "ARK Genomics",
    "SPY": "SPY",
}
THEMES = {
    "IWM": "size",
    "IWB": "size",
    "XLV": "sectors",
    "XLU": "sectors",
    "XLK": "sectors",
    "XLE": "sectors",
}
THEMES |= {"PSCT": "smallcap-sectors", "PSCU": "smallcap-sectors", "ARKG": "thematic"}


def context(rep: SignalReport | None = None, told: dict[str, str] | None = None) -> StoryContext:
    return StoryContext(
        report=rep or report(),
        names=NAMES,
        themes=THEMES,
        configured={("IWM", "IWB"): "Small caps vs large caps"},
        told=told or {},
        groups=(
            GroupInfo("sectors", "S&P 500 sectors", "SPY", "sectors", ("XLV", "XLU", "XLK", "XLE")),
            GroupInfo("smallcap_sectors", "Small-cap sectors", "IWM", "smallcap-sectors", ("PSCT", "PSCU")),
        ),
        pair_themes=frozenset({"size"}),
        market=("SPY",),
        one_close=frozenset({"IWM", "XLV", "XLU"}),
    )


__all__ = ["INSUFFICIENT"]
