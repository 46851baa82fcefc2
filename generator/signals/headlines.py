"""Headlines: the week's signals as ranked sentences, each with the numbers behind it.

Wording states only what the numbers show ("closed at a 52-week relative high, 1.3% above
the prior high"), never a forecast.
"""

from __future__ import annotations

from generator.signals.report import (
    Event,
    Headline,
    InstrumentSignals,
    RelativeSignals,
    SignalReport,
)

EVENT_SCORES = {
    "rel_breakout_multi_year": 92.0,
    "rel_breakout_52w": 85.0,
    "ath_breakout": 88.0,
    "high_5y_breakout": 70.0,
    "high_3y_breakout": 65.0,
    "high_1y_breakout": 55.0,
}


def _when(event: Event) -> str:
    if event.weeks_ago == 0:
        return "this week"
    if event.weeks_ago == 1:
        return "last week"
    return f"{event.weeks_ago} weeks ago"


def _pair_headlines(pair: RelativeSignals) -> list[Headline]:
    out: list[Headline] = []
    for event in pair.events:
        span = "multi-year" if event.kind == "rel_breakout_multi_year" else "52-week"
        verb = "closed at a" if event.weeks_ago == 0 else f"made its first {span} close above its prior high"
        if event.weeks_ago == 0:
            text = (
                f"{pair.label}: the {pair.long}/{pair.short} ratio {verb} {span} high this week, "
                f"{event.detail['margin_pct']:.1f}% above the prior high."
            )
        else:
            text = (
                f"{pair.label}: the {pair.long}/{pair.short} ratio {verb} {_when(event)} "
                f"and is {_ratio_position(pair)}."
            )
        score = EVENT_SCORES[event.kind] - 4 * event.weeks_ago
        title = f"{pair.long} breaks out against {pair.short}"
        out.append(
            Headline(
                title,
                text,
                score,
                event.kind,
                [pair.long, pair.short],
                pair.category,
                {
                    "margin_pct": event.detail["margin_pct"],
                    "weeks_ago": event.weeks_ago,
                    "vs_sma_slow_pct": pair.vs_sma_slow_pct,
                },
            )
        )
    if pair.vs_sma_slow_pct is not None and not out:
        side = "above" if pair.vs_sma_slow_pct >= 0 else "below"
        text = (
            f"{pair.label}: the {pair.long}/{pair.short} ratio is {abs(pair.vs_sma_slow_pct):.1f}% "
            f"{side} its 200-day average; the relative trend is {pair.trend}."
        )
        title = f"{pair.long} vs {pair.short}: relative trend {pair.trend}"
        out.append(
            Headline(
                title,
                text,
                40.0 + min(abs(pair.vs_sma_slow_pct), 10.0),
                "rel_trend",
                [pair.long, pair.short],
                pair.category,
                {"vs_sma_slow_pct": pair.vs_sma_slow_pct, "trend": pair.trend},
            )
        )
    return out


def _ratio_position(pair: RelativeSignals) -> str:
    if pair.vs_sma_slow_pct is None:
        return "too new for a 200-day average"
    side = "above" if pair.vs_sma_slow_pct >= 0 else "below"
    return f"{abs(pair.vs_sma_slow_pct):.1f}% {side} its 200-day average"


def _instrument_headlines(item: InstrumentSignals) -> list[Headline]:
    out: list[Headline] = []
    for event in item.events:
        if event.kind == "ath_breakout":
            text = (
                f"{item.ticker} ({item.name}) made its first weekly close above its prior "
                f"all-time high of {event.level:.2f} {_when(event)}, at {event.close:.2f}."
            )
        else:
            years = event.kind.split("_")[1].rstrip("y")
            text = (
                f"{item.ticker} ({item.name}) made its first weekly close at a {years}-year high "
                f"{_when(event)}, {event.close:.2f} against a prior high of {event.level:.2f}."
            )
        score = EVENT_SCORES.get(event.kind, 50.0) - 4 * event.weeks_ago
        title = (
            f"{item.ticker} at a new all-time high"
            if event.kind == "ath_breakout"
            else f"{item.ticker} at a {event.kind.split('_')[1].rstrip('y')}-year high"
        )
        out.append(
            Headline(
                title,
                text,
                score,
                event.kind,
                [item.ticker],
                item.category,
                {"level": event.level, "close": event.close, "weeks_ago": event.weeks_ago},
            )
        )
    # One headline per instrument: its strongest event (an ATH implies every N-year high).
    return sorted(out, key=lambda h: -h.score)[:1]


def build_headlines(report: SignalReport) -> list[Headline]:
    """Every headline, best first; ties broken by text for a stable order."""
    headlines: list[Headline] = []
    for pair in report.pairs:
        headlines.extend(_pair_headlines(pair))
    for item in report.instruments.values():
        headlines.extend(_instrument_headlines(item))
    return sorted(headlines, key=lambda h: (-h.score, h.text))
