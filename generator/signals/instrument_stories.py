"""Stories about one ETF on quoted closes: bases, breakouts, failures, new highs."""

from __future__ import annotations

from generator.signals import wording as w
from generator.signals.report import (
    BaseState,
    Event,
    Headline,
    InstrumentSignals,
    SignalReport,
)
from generator.signals.scoring import (
    BASE_SCORES,
    DECAY_PER_WEEK,
    FRESH_WEEKS,
    base_numbers,
    event_numbers,
    fresh,
    headline,
    staleness,
)


def instrument_stories(item: InstrumentSignals, report: SignalReport, band_pct: float) -> list[Headline]:
    """Candidate stories about one ETF: an all-time high, an N-year high, and its base state."""
    out: list[Headline] = []
    who = w.subject(item.ticker, item.name)
    base = item.base
    ath = fresh(item.events, "ath_breakout")
    same_week = base.state == "breakout" and ath is not None and ath.weeks_ago == 0
    if ath is not None and not same_week:
        out.append(_ath_story(item, ath, base, report))
    for event in item.events:
        if event.kind.startswith("high_") and event.notable and event.weeks_ago <= 1:
            years = int(event.kind.split("_")[1].rstrip("y"))
            text = (
                f"{who} closed at a {years}-year high {w.weeks_ago(event.weeks_ago)}: "
                f"{w.price(event.close)}, "
                f"above the {w.price(event.level)} high of {w.day(event.detail['prior_high_day'])}."
            )
            out.append(
                headline(
                    f"{item.ticker} at a {years}-year high",
                    text,
                    52.0 + 4 * years - 8 * event.weeks_ago,
                    event.kind,
                    [item.ticker],
                    item.category,
                    event_numbers(event),
                )
            )
    if base.state == "breakout" and base.breakout is not None:
        out.append(_base_breakout_story(item, base.breakout, report, ath if same_week else None))
    elif base.state == "failed" and base.breakout is not None:
        out.extend(_failed_story(item, report))
    elif base.state == "post_breakout" and base.breakout is not None:
        out.append(_post_breakout_story(item, base, report))
    elif base.state == "attempting":
        out.append(_attempting_story(item, base, report, band_pct))
    return out


def _ath_story(item: InstrumentSignals, event: Event, base: BaseState, report: SignalReport) -> Headline:
    who = w.subject(item.ticker, item.name)
    held = w.span(int(event.detail["weeks_since_high"]))
    first = w.pick(
        (
            f"{who} made its first weekly close above its all-time high {w.weeks_ago(event.weeks_ago)}: "
            f"{w.price(event.close)} against {w.price(event.level)}, a high that had stood since "
            f"{w.day(event.detail['prior_high_day'])} ({held}).",
            f"{who} closed at a record {w.price(event.close)} {w.weeks_ago(event.weeks_ago)}, "
            f"{w.versus(event.detail['margin_pct'], f'the all-time high of {w.price(event.level)}')} "
            f"it had not closed above for {held}.",
        ),
        item.ticker,
        event.kind,
        report.as_of,
    )
    tracked = base.breakout if base.state in ("post_breakout", "breakout") else None
    if tracked is not None and tracked.day < event.day:
        first += (
            f" It broke out of {w.base_of(tracked)} {w.weeks_ago(tracked.weeks_ago)} "
            f"({w.day(tracked.day)}, above {w.price(tracked.level)})."
        )
    # A breakout out of a base to a record is the stronger story (the base story gets +6 then).
    score = 88.0 + (2.0 if tracked is not None else 0.0) - DECAY_PER_WEEK * event.weeks_ago
    numbers = {**event_numbers(event), "weeks_since_high": event.detail["weeks_since_high"]}
    if tracked is not None:
        numbers |= {
            "base_breakout_day": tracked.day.isoformat(),
            "base_length_weeks": tracked.detail["length_weeks"],
        }
    return headline(
        f"{item.ticker} at a new all-time high",
        first,
        score,
        event.kind,
        [item.ticker],
        item.category,
        numbers,
    )


def _base_breakout_story(
    item: InstrumentSignals, event: Event, report: SignalReport, ath: Event | None
) -> Headline:
    who = w.subject(item.ticker, item.name)
    base = w.base_of(event)
    since = w.month(event.detail["start_day"])
    text = w.pick(
        (
            f"{who} closed above the ceiling of {base} {w.weeks_ago(event.weeks_ago)}: "
            f"{w.price(event.close)} "
            f"against {w.price(event.level)} ({w.signed(event.detail['margin_pct'])}), the top of a range "
            f"held since {since}.",
            f"{who} completed {base} (a range that began in {since}), with its first weekly close "
            f"above the {w.price(event.level)} ceiling: {w.price(event.close)} "
            f"({w.signed(event.detail['margin_pct'])}).",
        ),
        item.ticker,
        event.kind,
        report.as_of,
    )
    score = BASE_SCORES[str(event.detail["wording"])] - DECAY_PER_WEEK * event.weeks_ago
    numbers = base_numbers(event)
    if ath is not None:
        text += (
            f" It is also its first weekly close above its all-time high of {w.price(ath.level)}, "
            f"set on {w.day(ath.detail['prior_high_day'])}."
        )
        score += 6.0
        numbers |= {"ath_level": ath.level, "ath_prior_high_day": ath.detail["prior_high_day"]}
    return headline(
        f"{item.ticker} completes {base}",
        text,
        score,
        event.kind,
        [item.ticker],
        item.category,
        numbers,
    )


def _failed_story(item: InstrumentSignals, report: SignalReport) -> list[Headline]:
    failure = next((e for e in item.events if e.kind == "base_breakout_failed"), None)
    if failure is None or failure.weeks_ago > FRESH_WEEKS:
        return []
    who = w.subject(item.ticker, item.name)
    text = (
        f"The {w.day(failure.detail['breakout_day'])} breakout of {who} failed: "
        f"{w.weeks_ago(failure.weeks_ago)} it closed at {w.price(failure.close)}, "
        f"{w.versus(failure.detail['pct_from_ceiling'], f'the {w.price(failure.level)} ceiling')} it had "
        f"cleared {w.weeks(failure.detail['weeks_after_breakout'])} earlier."
    )
    score = 84.0 - DECAY_PER_WEEK * failure.weeks_ago
    numbers = {**event_numbers(failure), "breakout_day": failure.detail["breakout_day"]}
    return [
        headline(
            f"{item.ticker}'s breakout fails",
            text,
            score,
            failure.kind,
            [item.ticker],
            item.category,
            numbers,
        )
    ]


def _post_breakout_story(item: InstrumentSignals, base: BaseState, report: SignalReport) -> Headline:
    event = base.breakout
    assert event is not None
    who = w.subject(item.ticker, item.name)
    ceiling = f"the {w.price(event.level)} ceiling"
    text = w.pick(
        (
            f"{who} broke out of {w.base_of(event)} {w.weeks_ago(event.weeks_ago)} and closed at "
            f"{w.price(item.last_close)}, {w.versus(base.pct_from_ceiling, ceiling)}.",
            f"{who} is {w.versus(base.pct_from_ceiling, ceiling)} of "
            f"{w.base_of(event)} it cleared on {w.day(event.day)}.",
        ),
        item.ticker,
        "post",
        report.as_of,
    )
    score = BASE_SCORES[str(event.detail["wording"])] - 30.0 - 1.0 * event.weeks_ago
    numbers = {**base_numbers(event), "pct_from_ceiling": base.pct_from_ceiling}
    return headline(
        f"{item.ticker} holds its breakout",
        text,
        score,
        "base_post_breakout",
        [item.ticker],
        item.category,
        numbers,
    )


def _attempting_story(
    item: InstrumentSignals, base: BaseState, report: SignalReport, band_pct: float
) -> Headline:
    who = w.subject(item.ticker, item.name)
    phrase = w.state_base(base)
    since = w.month(base.start_day) if base.start_day else "n/a"
    if base.pct_from_ceiling is not None and base.pct_from_ceiling > 0:
        # Above the ceiling but inside the breakout buffer: not a confirmed breakout yet.
        options: tuple[str, ...] = (
            f"{who} closed {w.versus(base.pct_from_ceiling, f'the {w.price(base.ceiling)} ceiling')} of "
            f"{phrase}, not yet far enough to count as a breakout (tested {base.touches} times since "
            f"{since}).",
        )
    else:
        options = (
            f"{who} closed {w.versus(base.pct_from_ceiling, 'the ceiling')} of {phrase} "
            f"({w.price(base.ceiling)}, tested {base.touches} times since {since}).",
            f"{who} is attempting to complete {phrase}: it closed at {w.price(item.last_close)}, "
            f"{w.versus(base.pct_from_ceiling, f'the {w.price(base.ceiling)} ceiling')} it has met "
            f"{base.touches} times since {since}.",
        )
    text = w.pick(
        options,
        item.ticker,
        "attempting",
        report.as_of,
    )
    if base.weeks_in_band and base.weeks_in_band >= 3:
        text += f" It has closed within {band_pct:g}% of the ceiling for {base.weeks_in_band} straight weeks."
    contraction = item.volatility.contraction
    if contraction and item.volatility.bb_width_rank is not None:
        text += (
            f" Its Bollinger width ({w.pct(item.volatility.bb_width_pct)}) is in the lowest "
            f"{max(1, round(100 * item.volatility.bb_width_rank))}% of the past year."
        )
    wording = base.wording or "base"
    score = BASE_SCORES[wording] - 20.0 + (3.0 if contraction else 0.0) + (base.pct_from_ceiling or 0.0)
    score -= staleness(base.weeks_in_band)
    numbers: dict[str, float | str | None] = {
        "ceiling": base.ceiling,
        "pct_from_ceiling": base.pct_from_ceiling,
        "length_weeks": base.length_weeks,
        "touches": base.touches,
        "weeks_in_band": base.weeks_in_band,
        "bb_width_rank": item.volatility.bb_width_rank,
    }
    return headline(
        f"{item.ticker} tests the ceiling of {phrase}",
        text,
        score,
        "base_attempting",
        [item.ticker],
        item.category,
        numbers,
    )
