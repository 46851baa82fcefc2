"""Stories about a ratio (the size pair above all): a 200-day cross and the first in how long, the
200-day average turning, the 50/200-day cross, a multi-year relative low or high, the largest
weekly move in years, and relative breakouts and their failures.

One story per pair: the fact that matters most leads, one more fact gives the context (how far
from the multi-year low, where the 200-day average is), and the last sentence says what would
undo it. A pair of a fund against its benchmark tells only the larger events (a cross after
half a year or more, a breakout); the configured pairs (small vs large caps) tell all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from generator.signals.ratio_history import Crossing, RatioExtreme, RatioHistory
from generator.signals.report import Event, RelativeSignals
from generator.stories import score
from generator.stories import words as w
from generator.stories.context import PairNames, StoryContext
from generator.stories.model import CallIdea, Mark, Story, StoryChart

# A relative breakout's story kind, by its event: one story kind per event, so a 52-week high
# last week and a relative base breakout this week are two pieces of news.
BREAKOUT_KINDS = {
    "rel_base_breakout": "pair_base_breakout",
    "rel_breakout_multi_year": "pair_multi_year_high",
    "rel_breakout_52w": "pair_52w_high",
}
MAX_PAIR_STOP_PCT = 8.0  # a pair call's stop (the 200-day average) at most this far off
MULTI_YEAR_WEEKS = 156  # an extreme is "multi-year" when nothing beyond it came for this long
BIG_WEEK_MIN_WEEKS = 52  # the largest weekly move in at least a year
MEMBER_MIN_PRIOR_WEEKS = 26  # a fund against its benchmark: a cross after half a year on the other side


@dataclass(frozen=True)
class Fact:
    """One thing that happened to a ratio this week, ready to be told."""

    kind: str
    importance: float
    sentence: str
    title: str
    direction: int  # +1 good for the long leg, -1 bad
    mark: Mark | None = None
    thesis: str = ""


def pair_story(pair: RelativeSignals, ctx: StoryContext, theme: str, *, configured: bool) -> Story | None:
    """The pair's story this week, or None when nothing about it is news."""
    history = pair.history
    names = ctx.pair_names(pair)
    facts = [*_event_facts(pair, names, ctx), *(_history_facts(pair, history, names) if history else [])]
    if not configured:
        facts = [f for f in facts if _member_news(f, history)]
    if not facts:
        return None
    facts.sort(key=lambda f: -f.importance)
    main = facts[0]
    key = f"pair:{pair.long}/{pair.short}"
    if ctx.told.get(key) == main.kind:
        return None  # told last week as it is: nothing new
    context = _context(pair, history, main, names)
    undo = _undo(pair, main)
    sentences = [main.sentence, *(s for s in (context, undo) if s)]
    importance = main.importance
    long_name = names.long_plain
    return Story(
        key=key,
        kind=main.kind,
        theme=theme,
        tickers=[pair.long, pair.short],
        title=main.title,
        heading=f"{w.upper_first(long_name)} against {names.short}",
        sentences=sentences,
        importance=importance,
        score=score.total(importance, theme, fresh=True),
        fresh=True,
        chart=StoryChart(
            "ratio",
            [pair.long, pair.short],
            [m for m in (main.mark, _extreme_mark(history)) if m is not None],
            caption=(
                f"{pair.long} against {pair.short}: both rebased to 100, and their ratio with its "
                "50- and 200-day averages."
            ),
        ),
        call=_call(pair, history, main, theme, ctx),
        subject_name=f"{long_name} against {names.short}",
    )


MEMBER_BIG_WEEK_WEEKS = 260  # a fund's best week against its benchmark: the largest in five years


def _member_news(fact: Fact, history: RatioHistory | None) -> bool:
    """What a fund against its benchmark tells: its strength only (its weakness is in the
    dashboard), and of that a breakout, a multi-year high, a turn after half a year or more, or
    its best week in five years; a volatile fund's good week against SPY is not rotation.
    """
    if fact.direction <= 0:
        return False
    if fact.kind == "pair_big_week":
        weeks = history.week_change_weeks if history else None
        return weeks is None or weeks >= MEMBER_BIG_WEEK_WEEKS
    return fact.kind in (*BREAKOUT_KINDS.values(), "pair_extreme") or fact.importance >= 30.0


def _title_subject(names: PairNames) -> str:
    return w.upper_first(names.long)


def _verb(names: PairNames, singular: str, plural: str) -> str:
    return w.verb(names.long_plain, singular, plural)


def _since(crossing: Crossing, history: RatioHistory) -> str:
    if crossing.last_same_day is None:
        first = history.low.first_day if history.low else None
        return f"for the first time since the data begin{f' in {first.year}' if first else ''}"
    return f"for the first time since {w.day(crossing.last_same_day)}"


def _first_day(history: RatioHistory) -> date:
    """The ratio's first weekly close (the extremes carry it)."""
    extreme = history.low or history.high
    return extreme.first_day if extreme is not None else history.day


def _weeks_between(later: date, earlier: date | None) -> int | None:
    return None if earlier is None else (later - earlier).days // 7


def _history_facts(pair: RelativeSignals, history: RatioHistory, names: PairNames) -> list[Fact]:
    ratio = names.ratio(pair)
    facts: list[Fact] = []
    today = history.day
    key = f"{pair.long}/{pair.short}"
    for crossing in history.crossings:
        since = _weeks_between(today, crossing.last_same_day)
        first_since = _since(crossing, history)
        up = crossing.direction > 0
        if crossing.kind == "slow_average":
            side, other = ("above", "below") if up else ("below", "above")
            verb = _verb(names, *(("reclaims", "reclaim") if up else ("loses", "lose")))
            facts.append(
                Fact(
                    "pair_slow_cross",
                    score.slow_cross(crossing.prior_weeks, since),
                    f"{w.upper_first(ratio)} closes a week {side} its 200-day average {first_since}, "
                    f"after {w.span(crossing.prior_weeks)} {other} it.",
                    f"{_title_subject(names)} {verb} "
                    f"{w.possessive(names.long_plain)} 200-day average against {names.short}",
                    crossing.direction,
                    Mark(today, crossing.level, "200-day cross") if crossing.level else None,
                    f"{key} closed a week {side} its 200-day average {first_since}.",
                )
            )
        elif crossing.kind == "averages":
            word, side = ("golden", "above") if up else ("death", "below")
            such = first_since.replace("for the first time since", "the first such cross since")
            facts.append(
                Fact(
                    "pair_averages_cross",
                    score.averages_cross(since),
                    f"The 50-day average of {ratio} crosses {side} its 200-day, {such}.",
                    f"A {word} cross for {names.long_plain} against {names.short}",
                    crossing.direction,
                    None,
                    f"The 50-day average of {key} crossed {side} its 200-day.",
                )
            )
        elif crossing.kind == "slow_slope":
            turn = "up" if up else "down"
            facts.append(
                Fact(
                    "pair_slope_turn",
                    score.slope_turn(crossing.prior_weeks, since),
                    f"The 200-day average of {ratio} turns {turn} {first_since}.",
                    f"The long-term trend of {names.long} against {names.short} turns {turn}",
                    crossing.direction,
                    None,
                    f"The 200-day average of {key} turned {turn}.",
                )
            )
    for extreme in (history.low, history.high):
        fact = _extreme_fact(pair, extreme, names) if extreme else None
        if fact is not None:
            facts.append(fact)
    big = _big_week(pair, history, names)
    if big is not None:
        facts.append(big)
    return facts


def is_multi_year(extreme: RatioExtreme) -> bool:
    """True when no weekly close went beyond it for ``MULTI_YEAR_WEEKS`` before it (or ever)."""
    if extreme.since_day is None:
        return (extreme.day - extreme.first_day).days // 7 >= MULTI_YEAR_WEEKS
    return (extreme.day - extreme.since_day).days // 7 >= MULTI_YEAR_WEEKS


def _since_words(extreme: RatioExtreme) -> str:
    """``since 2000`` (the data's first year when nothing was beyond it) or ``since March 2009``."""
    if extreme.since_day is None:
        return f"in the data, which begin in {extreme.first_day.year}"
    return f"since {w.month(extreme.since_day)}"


def _extreme_fact(pair: RelativeSignals, extreme: RatioExtreme, names: PairNames) -> Fact | None:
    if extreme.weeks_ago != 0 or not is_multi_year(extreme):
        return None
    low = extreme.kind == "low"
    weeks = _weeks_between(extreme.day, extreme.since_day) or (extreme.day - extreme.first_day).days // 7
    word = "lowest" if low else "highest"
    return Fact(
        "pair_extreme",
        score.extreme(weeks),
        f"{w.upper_first(names.ratio(pair))} closes at its {word} {_since_words(extreme)}.",
        f"{_title_subject(names)} {'hit' if w.is_plural(names.long_plain) else 'hits'} "
        f"{w.possessive(names.long_plain)} {'weakest' if low else 'strongest'} against "
        f"{names.short} since {(extreme.since_day or extreme.first_day).year}",
        -1 if low else 1,
        Mark(
            extreme.day,
            extreme.level,
            f"{'Lowest' if low else 'Highest'} since {(extreme.since_day or extreme.first_day).year}",
        ),
        f"{pair.long}/{pair.short} closed at its {word} {_since_words(extreme)}.",
    )


def _big_week(pair: RelativeSignals, history: RatioHistory, names: PairNames) -> Fact | None:
    change = history.week_change_pct
    weeks = history.week_change_weeks
    if change is None or w.rounds_to_zero(change) or (weeks is not None and weeks < BIG_WEEK_MIN_WEEKS):
        return None
    up = change > 0
    best = "best" if up else "worst"
    since = f"since {w.month(history.week_change_since)}" if history.week_change_since else "in the data"
    verb = _verb(names, "gains" if up else "loses", "gain" if up else "lose")
    return Fact(
        "pair_big_week",
        # Never as large in the data: as many weeks as the data has.
        score.big_week(weeks if weeks is not None else (history.day - _first_day(history)).days // 7),
        f"{w.upper_first(names.long)} {verb} {w.pct(change)} on {names.short} this week "
        f"({pair.long}/{pair.short}), {w.possessive(names.long_plain)} {best} week {since}.",
        f"{_title_subject(names)} {_verb(names, 'has', 'have')} {w.possessive(names.long_plain)} {best} week "
        f"against {names.short} {since}",
        1 if up else -1,
        None,
        "",  # a big week alone is no call: it says nothing of where the trade is wrong
    )


def _event_facts(pair: RelativeSignals, names: PairNames, ctx: StoryContext) -> list[Fact]:
    out: list[Fact] = []
    ratio = names.ratio(pair)
    for event in pair.events:
        if event.weeks_ago != 0 or not event.notable:
            continue
        if event.kind in score.PAIR_EVENT_KINDS:
            out.append(_breakout_fact(pair, event, names, ratio))
        elif event.kind == "rel_breakout_failed":
            under = abs(float(event.detail.get("pct_from_level") or 0.0))
            if w.rounds_to_zero(under):
                continue
            out.append(
                Fact(
                    "pair_breakout_failed",
                    score.PAIR_FAILED,
                    f"{w.upper_first(ratio)} falls back {w.pct(under)} under the level it broke above on "
                    f"{w.day(event.detail['breakout_day'])}.",
                    f"The relative breakout of {names.long} against {names.short} fails",
                    -1,
                    Mark(event.day, event.level, "Breakout level"),
                )
            )
    return out


def _breakout_fact(pair: RelativeSignals, event: Event, names: PairNames, ratio: str) -> Fact:
    margin = float(event.detail.get("margin_pct") or 0.0)
    if event.kind == "rel_base_breakout":
        base = f"a {w.span_adj(int(event.detail['length_weeks']))} relative base"
        sentence = f"{w.upper_first(ratio)} completes {base}"
        sentence += f", closing {w.pct(margin)} over its ceiling." if not w.rounds_to_zero(margin) else "."
        title = f"{_title_subject(names)} {_verb(names, 'breaks', 'break')} out against {names.short}"
        thesis = f"{pair.long}/{pair.short} completed {base}."
    else:
        span = (
            "52-week"
            if event.kind == "rel_breakout_52w"
            else f"{int(event.detail['lookback_weeks']) // 52}-year"
        )
        held = int(event.detail.get("weeks_since_high") or 0)
        sentence = (
            f"{w.upper_first(ratio)} closes at a {span} high, over the high of "
            f"{w.day(event.detail['prior_high_day'])} that had stood for {w.span(held)}."
        )
        title = f"{_title_subject(names)} {_verb(names, 'makes', 'make')} a {span} high against {names.short}"
        since = w.month(event.detail["prior_high_day"])
        thesis = f"{pair.long}/{pair.short} made its first weekly close at a {span} high since {since}."
    importance = (
        score.relative_base(int(event.detail["length_weeks"]))
        if event.kind == "rel_base_breakout"
        else score.PAIR_BREAKOUTS[event.kind]
    )
    return Fact(
        BREAKOUT_KINDS[event.kind],
        importance,
        sentence,
        title,
        1,
        Mark(event.day, event.level, "Relative breakout"),
        thesis,
    )


def _extreme_mark(history: RatioHistory | None) -> Mark | None:
    """The multi-year low or high of the last year, when the story's context names it."""
    if history is None:
        return None
    for extreme in (history.low, history.high):
        if extreme is not None and 0 < extreme.weeks_ago <= 52 and is_multi_year(extreme):
            year = (extreme.since_day or extreme.first_day).year
            return Mark(
                extreme.day, extreme.level, f"{'Lowest' if extreme.kind == 'low' else 'Highest'} since {year}"
            )
    return None


def _context(pair: RelativeSignals, history: RatioHistory | None, main: Fact, names: PairNames) -> str:
    """One more fact: the multi-year extreme of the last year, else the 200-day average, else 13 weeks."""
    if history is not None and main.kind != "pair_extreme":
        for extreme in (history.low, history.high):
            if extreme is None or not (0 < extreme.weeks_ago <= 52) or not is_multi_year(extreme):
                continue
            if w.rounds_to_zero(extreme.pct_from):
                continue
            low = extreme.kind == "low"
            return (
                f"The ratio is {w.pct(extreme.pct_from)} {'off' if low else 'under'} its "
                f"{w.day(extreme.day)} {'low' if low else 'high'}, the {'lowest' if low else 'highest'} "
                f"close {_since_words(extreme)}."
            )
    vs = pair.vs_sma_slow_pct
    if main.kind != "pair_slow_cross" and vs is not None and history is not None and history.slow_side_weeks:
        if w.rounds_to_zero(vs):
            return "The ratio sits on its 200-day average."
        side = "above" if vs > 0 else "under"
        return (
            f"The ratio is {w.pct(vs)} {side} its 200-day average, "
            f"where it has closed for {w.span(history.slow_side_weeks)}."
        )
    change = pair.change_13w_pct
    if change is not None and not w.rounds_to_zero(change):
        return f"The ratio has {'gained' if change > 0 else 'lost'} {w.pct(change)} over 13 weeks."
    return ""


def _undo(pair: RelativeSignals, main: Fact) -> str:
    """What would prove the story wrong, by the ratio's 200-day average."""
    vs = pair.vs_sma_slow_pct
    if vs is None or w.rounds_to_zero(vs):
        return ""
    away = to_average_pct(vs)
    if w.rounds_to_zero(away):
        return ""
    ratio = f"{pair.long}/{pair.short}"
    if main.direction > 0:
        if vs > 0:
            return (
                f"A weekly close of {ratio} back under its 200-day average, {w.pct(away)} lower, "
                "would undo the signal."
            )
        return f"The 200-day average of {ratio}, {w.pct(away)} higher, is the level to clear."
    if vs < 0:
        return f"A weekly close of {ratio} back over its 200-day average, {w.pct(away)} higher, would end it."
    return f"The 200-day average of {ratio}, {w.pct(away)} lower, is the next support."


def to_average_pct(vs_sma_pct: float) -> float:
    """How far the ratio must move to reach its average, in % of the ratio: ``|v| / (1 + v/100)``."""
    return abs(vs_sma_pct) / (1.0 + vs_sma_pct / 100.0)


def _call(
    pair: RelativeSignals, history: RatioHistory | None, main: Fact, theme: str, ctx: StoryContext
) -> CallIdea | None:
    """A pair call for a story that favours the long leg, stopped where the story would be wrong."""
    if main.direction <= 0 or not main.thesis:
        return None
    vs = pair.vs_sma_slow_pct
    if main.kind in BREAKOUT_KINDS.values() and main.mark is not None and pair.ratio:
        level = main.mark.level * (1.0 - ctx.rel_fail_tol_pct / 100.0)
        stop_pct = 100.0 * (level / pair.ratio - 1.0)
        reason = f"the ratio {ctx.rel_fail_tol_pct:g}% back under the level it broke"
    elif vs is not None and vs > 0:
        stop_pct = -to_average_pct(vs)
        reason = "the ratio back under its 200-day average"
    else:
        return None
    if stop_pct < -MAX_PAIR_STOP_PCT:
        return None  # too far from where the story would be wrong for a call with a stop
    stop_pct = round(min(stop_pct, -1.0), 1)
    return CallIdea("long", pair.long, pair.short, main.thesis, theme, stop_pct=stop_pct, stop_reason=reason)
