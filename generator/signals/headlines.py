"""Headlines: the week's signals as ranked sentences, each with the numbers behind it.

Each candidate story has a base score (how much it matters to a rotation letter), less a
decay per week since the event; the list is sorted by score, then text, so the order is
stable. One story per instrument or pair (its strongest), plus at most one rotation on the
RRG. The wording states only what the numbers show ("closed 1.2% below the ceiling of a
2.4-year base"), never a forecast.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.config import Settings
from generator.signals import wording as w
from generator.signals.report import (
    BaseState,
    BreadthSnapshot,
    Event,
    Headline,
    InstrumentSignals,
    RelativeSignals,
    SignalReport,
)

BASE_SCORES = {"massive base": 92.0, "multi-year base": 88.0, "base": 80.0}
DECAY_PER_WEEK = 20.0  # a weekly letter leads with this week's events
FRESH_WEEKS = 1  # event stories older than this are left to the state stories
# A quadrant change is frequent (several a week across 30 ETFs): below base and breakout stories.
ROTATION_SCORES = {"Leading": 53.0, "Lagging": 47.0, "Improving": 45.0, "Weakening": 43.0}


def build_headlines(report: SignalReport, settings: Settings) -> list[Headline]:
    """Every headline, best first; ties broken by text for a stable order."""
    out: list[Headline] = []
    for pair in report.pairs:
        out.extend(_best(_relative_stories(pair, report, configured=True)))
    pair_keys = {(p.long, p.short) for p in report.pairs}
    for item in report.instruments.values():
        if item.stale:
            continue
        out.extend(_best(_instrument_stories(item, report, settings.signals.base.attempt_band_pct)))
        if item.relative is not None and (item.relative.long, item.relative.short) not in pair_keys:
            out.extend(_best(_relative_stories(item.relative, report, configured=False)))
        out.extend(_rotation_story(item, report))
    for pair in report.pairs:
        out.extend(_correlation_story(pair, report))
    for snapshot in report.breadth:
        out.extend(_breadth_story(snapshot, report))
    return sorted(out, key=lambda h: (-h.score, h.text))


def _staleness(weeks_in_band: int | None) -> float:
    """A state story is less news each week it lasts: -1 a week after the third, at most -10."""
    return float(min(max((weeks_in_band or 0) - 3, 0), 10))


def _best(stories: Iterable[Headline]) -> list[Headline]:
    ranked = sorted(stories, key=lambda h: (-h.score, h.text))
    return ranked[:1]


def _fresh(events: list[Event], kind: str) -> Event | None:
    found = [e for e in events if e.kind == kind and e.notable and e.weeks_ago <= FRESH_WEEKS]
    return min(found, key=lambda e: e.weeks_ago) if found else None


def _instrument_stories(item: InstrumentSignals, report: SignalReport, band_pct: float) -> list[Headline]:
    out: list[Headline] = []
    who = w.subject(item.ticker, item.name)
    base = item.base
    ath = _fresh(item.events, "ath_breakout")
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
                _headline(
                    f"{item.ticker} at a {years}-year high",
                    text,
                    52.0 + 4 * years - 8 * event.weeks_ago,
                    event.kind,
                    [item.ticker],
                    item.category,
                    _event_numbers(event),
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
            f"{w.signed(event.detail['margin_pct'])} above the all-time high of {w.price(event.level)} "
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
    score = 88.0 + (4.0 if tracked is not None else 0.0) - DECAY_PER_WEEK * event.weeks_ago
    numbers = {**_event_numbers(event), "weeks_since_high": event.detail["weeks_since_high"]}
    if tracked is not None:
        numbers |= {
            "base_breakout_day": tracked.day.isoformat(),
            "base_length_weeks": tracked.detail["length_weeks"],
        }
    return _headline(
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
    numbers = _base_numbers(event)
    if ath is not None:
        text += (
            f" It is also its first weekly close above its all-time high of {w.price(ath.level)}, "
            f"set on {w.day(ath.detail['prior_high_day'])}."
        )
        score += 4.0
        numbers |= {"ath_level": ath.level, "ath_prior_high_day": ath.detail["prior_high_day"]}
    return _headline(
        f"{item.ticker} completes {base.removeprefix('a ')}",
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
        f"{w.pct(failure.detail['pct_from_ceiling'])} below the {w.price(failure.level)} ceiling it had "
        f"cleared {w.weeks(failure.detail['weeks_after_breakout'])} earlier."
    )
    score = 84.0 - DECAY_PER_WEEK * failure.weeks_ago
    numbers = {**_event_numbers(failure), "breakout_day": failure.detail["breakout_day"]}
    return [
        _headline(
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
    text = w.pick(
        (
            f"{who} broke out of {w.base_of(event)} {w.weeks_ago(event.weeks_ago)} and closed at "
            f"{w.price(item.last_close)}, {w.signed(base.pct_from_ceiling)} from the "
            f"{w.price(event.level)} ceiling.",
            f"{who} is {w.signed(base.pct_from_ceiling)} above the {w.price(event.level)} ceiling of "
            f"{w.base_of(event)} it cleared on {w.day(event.day)}.",
        ),
        item.ticker,
        "post",
        report.as_of,
    )
    score = BASE_SCORES[str(event.detail["wording"])] - 30.0 - 1.0 * event.weeks_ago
    numbers = {**_base_numbers(event), "pct_from_ceiling": base.pct_from_ceiling}
    return _headline(
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
    text = w.pick(
        (
            f"{who} closed {w.pct(base.pct_from_ceiling)} below the ceiling of {phrase} "
            f"({w.price(base.ceiling)}, tested {base.touches} times since {since}).",
            f"{who} is attempting to complete {phrase}: it closed at {w.price(item.last_close)}, "
            f"{w.pct(base.pct_from_ceiling)} under the {w.price(base.ceiling)} ceiling it has met "
            f"{base.touches} times since {since}.",
        ),
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
    score -= _staleness(base.weeks_in_band)
    numbers: dict[str, float | str | None] = {
        "ceiling": base.ceiling,
        "pct_from_ceiling": base.pct_from_ceiling,
        "length_weeks": base.length_weeks,
        "touches": base.touches,
        "weeks_in_band": base.weeks_in_band,
        "bb_width_rank": item.volatility.bb_width_rank,
    }
    return _headline(
        f"{item.ticker} tests the ceiling of {phrase.removeprefix('a ')}",
        text,
        score,
        "base_attempting",
        [item.ticker],
        item.category,
        numbers,
    )


def _relative_stories(pair: RelativeSignals, report: SignalReport, *, configured: bool) -> list[Headline]:
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
        event = _fresh(pair.events, kind)
        if event is None:
            continue
        score = base_score + weight - DECAY_PER_WEEK * event.weeks_ago
        out.append(
            _headline(
                _relative_title(pair, kind),
                _relative_text(lead, event, report),
                score,
                kind,
                tickers,
                pair.category,
                _event_numbers(event),
            )
        )
    if pair.base.state == "attempting" and pair.base.length_weeks:
        text = (
            f"{lead} closed {w.pct(pair.base.pct_from_ceiling)} below the ceiling of "
            f"{w.state_base(pair.base, relative=True)} ({w.ratio(pair.base.ceiling)}), "
            f"with {pair.base.touches} tests since {w.month(pair.base.start_day or report.as_of)}."
        )
        out.append(
            _headline(
                f"{pair.long} tests its relative ceiling against {pair.short}",
                text,
                62.0 + weight - _staleness(pair.base.weeks_in_band),
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
        side = "above" if pair.vs_sma_slow_pct >= 0 else "below"
        text = (
            f"{lead} is {w.pct(pair.vs_sma_slow_pct)} {side} its 200-day average and "
            f"{w.signed(pair.change_13w_pct)} over 13 weeks; the relative trend is {pair.trend}."
        )
        out.append(
            _headline(
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
            f"{w.signed(event.detail['margin_pct'])} above {w.ratio(event.level)}."
        )
    if event.kind == "rel_breakout_failed":
        return (
            f"{lead} fell back {w.pct(event.detail.get('pct_from_level'))} "
            f"below the {w.ratio(event.level)} level it broke above on {w.day(event.detail['breakout_day'])}."
        )
    span = "52-week" if event.kind == "rel_breakout_52w" else f"{event.detail['lookback_weeks'] // 52}-year"
    record = " (its highest close in the data)" if event.detail.get("all_time") else ""
    return w.pick(
        (
            f"{lead} made its first weekly close at a {span} high {when}{record}, "
            f"{w.signed(event.detail['margin_pct'])} above the high of "
            f"{w.day(event.detail['prior_high_day'])}.",
            f"{lead} closed at a {span} relative high {when}{record}: {w.ratio(event.close)}, "
            f"above the {w.ratio(event.level)} high that had stood for "
            f"{w.span(event.detail['weeks_since_high'])}.",
        ),
        lead,
        event.kind,
        report.as_of,
    )


def _rotation_story(item: InstrumentSignals, report: SignalReport) -> list[Headline]:
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
        _headline(
            f"{item.ticker} rotates into {point.quadrant}",
            text,
            score,
            "rrg_rotation",
            [item.ticker, point.benchmark],
            item.category,
            {"rs_ratio": point.rs_ratio, "rs_momentum": point.rs_momentum, "rotation": point.rotation},
        )
    ]


def _correlation_story(pair: RelativeSignals, report: SignalReport) -> list[Headline]:
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
        _headline(
            f"{pair.long} and {pair.short}: correlation at a 5-year extreme",
            text,
            50.0,
            "correlation",
            [pair.long, pair.short],
            pair.category,
            {"corr": value, "corr_rank_pct": rank, "window_days": int(days)},
        )
    ]


def _breadth_story(snapshot: BreadthSnapshot, report: SignalReport) -> list[Headline]:
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
        _headline(
            f"Breadth {direction}: {snapshot.label}",
            text,
            45.0,
            "breadth",
            [],
            "breadth",
            {"pct_above": now, "pct_above_4w_ago": before, "sma_days": int(slow or 0)},
        )
    ]


def _event_numbers(event: Event) -> dict[str, float | str | None]:
    numbers: dict[str, float | str | None] = {
        "level": event.level,
        "close": event.close,
        "weeks_ago": event.weeks_ago,
        "day": event.day.isoformat(),
    }
    for key in ("margin_pct", "prior_high_day", "pct_from_level", "pct_from_ceiling"):
        if key in event.detail:
            numbers[key] = event.detail[key]
    return numbers


def _base_numbers(event: Event) -> dict[str, float | str | None]:
    numbers = _event_numbers(event)
    for key in ("length_weeks", "length_years", "floor", "depth_pct", "touches", "start_day", "wording"):
        numbers[key] = event.detail[key]
    return numbers


def _headline(
    title: str,
    text: str,
    score: float,
    kind: str,
    tickers: list[str],
    category: str,
    numbers: dict[str, float | str | None],
) -> Headline:
    return Headline(title, text, round(score, 2), kind, tickers, category, numbers)
