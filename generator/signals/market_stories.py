"""Stories about pairs, rotation, correlation and breadth."""

from __future__ import annotations

from generator.signals import wording as w
from generator.signals.report import (
    BreadthSnapshot,
    Event,
    Headline,
    InstrumentSignals,
    RelativeSignals,
    SignalReport,
)
from generator.signals.scoring import (
    DECAY_PER_WEEK,
    ROTATION_SCORES,
    event_numbers,
    fresh,
    headline,
    staleness,
)


def relative_stories(pair: RelativeSignals, report: SignalReport, *, configured: bool) -> list[Headline]:
    """Candidate stories about a ratio: relative breakouts, failures, a relative base, the trend."""
    out: list[Headline] = []
    name = f"the {pair.long}/{pair.short} ratio"
    lead = f"{pair.label}: {name}" if configured else f"{pair.long} against {pair.short}: {name}"
    weight = 0.0 if configured else -20.0
    tickers = [pair.long, pair.short]
    for kind, base_score in (
        ("rel_base_breakout", 92.0),
        ("rel_breakout_multi_year", 90.0),
        ("rel_breakout_52w", 84.0),
        ("rel_breakout_failed", 78.0),
    ):
        event = fresh(pair.events, kind)
        if event is None:
            continue
        score = base_score + weight - DECAY_PER_WEEK * event.weeks_ago
        out.append(
            headline(
                _relative_title(pair, kind),
                _relative_text(lead, event, report),
                score,
                kind,
                tickers,
                pair.category,
                event_numbers(event),
            )
        )
    if pair.base.state == "attempting" and pair.base.length_weeks:
        text = (
            f"{lead} closed {w.versus(pair.base.pct_from_ceiling, 'the ceiling')} of "
            f"{w.state_base(pair.base, relative=True)} ({w.ratio(pair.base.ceiling)}), "
            f"with {pair.base.touches} tests since {w.month(pair.base.start_day or report.as_of)}."
        )
        if (pair.base.pct_from_ceiling or 0.0) > 0:
            text = text[:-1] + ", not yet far enough to count as a breakout."
        out.append(
            headline(
                f"{pair.long} tests its relative ceiling against {pair.short}",
                text,
                62.0 + weight - staleness(pair.base.weeks_in_band),
                "rel_base_attempting",
                tickers,
                pair.category,
                {
                    "ceiling": pair.base.ceiling,
                    "pct_from_ceiling": pair.base.pct_from_ceiling,
                    "length_weeks": pair.base.length_weeks,
                },
            )
        )
    if configured and pair.vs_sma_slow_pct is not None:
        text = (
            f"{lead} is {w.versus(pair.vs_sma_slow_pct, 'its 200-day average')} and "
            f"{w.signed(pair.change_13w_pct)} over 13 weeks; the relative trend is {pair.trend}."
        )
        out.append(
            headline(
                f"{pair.long} vs {pair.short}: relative trend {pair.trend}",
                text,
                40.0 + min(abs(pair.vs_sma_slow_pct), 10.0),
                "rel_trend",
                tickers,
                pair.category,
                {
                    "vs_sma_slow_pct": pair.vs_sma_slow_pct,
                    "change_13w_pct": pair.change_13w_pct,
                    "trend": pair.trend,
                },
            )
        )
    return out


def _relative_title(pair: RelativeSignals, kind: str) -> str:
    if kind == "rel_breakout_failed":
        return f"{pair.long}'s relative breakout against {pair.short} fails"
    return f"{pair.long} breaks out against {pair.short}"


def _relative_text(lead: str, event: Event, report: SignalReport) -> str:
    when = w.weeks_ago(event.weeks_ago)
    if event.kind == "rel_base_breakout":
        return (
            f"{lead} closed above the ceiling of {w.base_of(event)} {when}, "
            f"{w.versus(event.detail['margin_pct'], w.ratio(event.level))}."
        )
    if event.kind == "rel_breakout_failed":
        return (
            f"{lead} fell back "
            f"{w.versus(event.detail.get('pct_from_level'), f'the {w.ratio(event.level)} level')} it broke "
            f"above on {w.day(event.detail['breakout_day'])}."
        )
    span = "52-week" if event.kind == "rel_breakout_52w" else f"{event.detail['lookback_weeks'] // 52}-year"
    prior = f"the high of {w.day(event.detail['prior_high_day'])}"
    record = " (its highest close in the data)" if event.detail.get("all_time") else ""
    return w.pick(
        (
            f"{lead} made its first weekly close at a {span} high {when}{record}, "
            f"{w.versus(event.detail['margin_pct'], prior)}.",
            f"{lead} closed at a {span} relative high {when}{record}: {w.ratio(event.close)}, "
            f"above the {w.ratio(event.level)} high that had stood for "
            f"{w.span(event.detail['weeks_since_high'])}.",
        ),
        lead,
        event.kind,
        report.as_of,
    )


def rotation_story(item: InstrumentSignals, report: SignalReport) -> list[Headline]:
    """A quadrant change on the RRG this week, if any."""
    point = item.rrg
    if point is None or point.rotation is None or point.previous_quadrant is None:
        return []
    text = (
        f"{w.subject(item.ticker, item.name)} moved from {point.previous_quadrant} to {point.quadrant} "
        f"on the Relative Rotation Graph against {point.benchmark} (RS-Ratio {point.rs_ratio:.2f}, "
        f"RS-Momentum {point.rs_momentum:.2f})."
    )
    score = ROTATION_SCORES[point.quadrant] + min(point.distance or 0.0, 3.0)
    return [
        headline(
            f"{item.ticker} rotates into {point.quadrant}",
            text,
            score,
            "rrg_rotation",
            [item.ticker, point.benchmark],
            item.category,
            {"rs_ratio": point.rs_ratio, "rs_momentum": point.rs_momentum, "rotation": point.rotation},
        )
    ]


def correlation_story(pair: RelativeSignals, report: SignalReport) -> list[Headline]:
    """The pair's correlation when it is in the lowest or highest tenth of its 5-year range."""
    corr = pair.correlation
    rank = corr.corr_rank_pct
    first = next(iter(corr.corr_by_days.items()), None)
    if rank is None or first is None or first[1] is None or 10.0 < rank < 90.0:
        return []
    days, value = first
    side = f"lower than {100 - rank:.0f}%" if rank <= 10 else f"higher than {rank:.0f}%"
    text = (
        f"The {days}-day correlation of {pair.long} with {pair.short} is {value:.2f}, {side} of its "
        f"readings over the past five years."
    )
    return [
        headline(
            f"{pair.long} and {pair.short}: correlation at a 5-year extreme",
            text,
            50.0,
            "correlation",
            [pair.long, pair.short],
            pair.category,
            {"corr": value, "corr_rank_pct": rank, "window_days": int(days)},
        )
    ]


def breadth_story(snapshot: BreadthSnapshot, report: SignalReport) -> list[Headline]:
    """A swing of 25 points or more in the share above the slow average over four weeks."""
    slow = max(snapshot.pct_above_sma, key=int) if snapshot.pct_above_sma else None
    now = snapshot.pct_above_sma.get(slow) if slow else None
    before = snapshot.pct_above_slow_sma_4w_ago
    if now is None or before is None or snapshot.eligible < 5 or abs(now - before) < 25.0:
        return []
    direction = "up" if now > before else "down"
    text = (
        f"{now:.0f}% of {snapshot.label} ({snapshot.eligible} funds) closed above their {slow}-day average, "
        f"{direction} from {before:.0f}% four weeks earlier."
    )
    return [
        headline(
            f"Breadth {direction}: {snapshot.label}",
            text,
            45.0,
            "breadth",
            [],
            "breadth",
            {"pct_above": now, "pct_above_4w_ago": before, "sma_days": int(slow or 0)},
        )
    ]
