"""Stories about one fund, on weekly closes: bases completed, failed and tested, records after a long
wait, the second leg of a breakout, N-year highs, and what became of last week's story.

Each builder returns candidates (``Story``); selection keeps one per fund. Sentences follow
LETTER.md: the claim first, at most three measured numbers a sentence, prices to the cent, and
the last sentence says what would prove the story wrong.
"""

from __future__ import annotations

from generator.signals.report import BaseState, Event, InstrumentSignals
from generator.stories import score
from generator.stories import words as w
from generator.stories.context import StoryContext
from generator.stories.model import CallIdea, Mark, Story, StoryChart

RECORD = "a record"  # qualified once per issue ("a record on a total-return basis") by select.py
OUTRIGHT_KINDS = ("base_breakout", "ath_breakout", "ath_second_leg")


def fund_stories(item: InstrumentSignals, ctx: StoryContext) -> list[Story]:
    """Every candidate story about ``item`` this week."""
    if item.stale:
        return []
    key = f"fund:{item.ticker}"
    told = ctx.told.get(key)
    out: list[Story] = []
    ath = _event(item, "ath_breakout", weeks_ago=0)
    base = item.base
    breakout = base.breakout if base.state == "breakout" and base.breakout is not None else None
    if breakout is not None:
        out.append(_base_breakout(item, breakout, ath, ctx))
    elif ath is not None and ath.notable:
        out.append(_ath_breakout(item, ath, ctx))
    elif ath is not None and base.state == "post_breakout" and base.breakout is not None:
        out.append(_second_leg(item, ath, base, ctx))
    if base.state == "failed":
        failure = _event(item, "base_breakout_failed", weeks_ago=0)
        if failure is not None and base.breakout is not None:
            out.append(_failed(item, failure, base, ctx))
    if base.state == "attempting" and told != "base_attempting" and not item.at_ath:
        out.append(_attempting(item, base, ctx))
    if told in OUTRIGHT_KINDS or told == "record_run":
        follow = _follow_through(item, ctx)
        if follow is not None:
            out.append(follow)
    if not out:
        out.extend(_n_year_high(item, ctx))
    big = _big_week(item, ctx)
    if big is not None:
        out.append(big)
    return out


BIG_WEEK_MIN_WEEKS = 104  # the market's weekly move is news when it is the largest in two years


def _big_week(item: InstrumentSignals, ctx: StoryContext) -> Story | None:
    """The market's largest weekly move in two years or more ("its worst week since 2008").

    Only for the benchmark: in a crash every fund has its worst week, and that is one story,
    the market's; a fund that moves apart from the market is a pair story (``pairs.py``).
    """
    if item.ticker not in ctx.market:
        return None
    change = item.change_1w_pct
    weeks = item.week_change_weeks
    if change is None or abs(change) < 2.0:
        return None
    if weeks is None and (item.week_change_since is not None or item.history_weeks < BIG_WEEK_MIN_WEEKS):
        return None
    if weeks is not None and weeks < BIG_WEEK_MIN_WEEKS:
        return None
    name = ctx.name(item.ticker)
    who = ctx.subject(item.ticker)
    up = change > 0
    best = "best" if up else "worst"
    since = f"since {w.month(item.week_change_since)}" if item.week_change_since else "in the data"
    first = (
        f"{who} {w.verb(name, *(('gains', 'gain') if up else ('falls', 'fall')))} {w.pct(change)} this week, "
        f"{w.possessive(name)} {best} week {since}."
    )
    second = ""
    if item.pct_from_ath is not None and not w.rounds_to_zero(item.pct_from_ath) and item.ath_day is not None:
        second = (
            f"{w.upper_first('they are' if w.is_plural(name) else 'it is')} {w.pct(item.pct_from_ath)} under "
            f"{w.possessive(name)} record of {w.day(item.ath_day)}."
        )
    elif item.at_ath:
        second = f"{w.upper_first('they close' if w.is_plural(name) else 'it closes')} at {RECORD}."
    importance = score.market_week(weeks if weeks is not None else item.history_weeks)
    return _fund_story(
        item,
        ctx,
        key="market:week",
        kind="fund_big_week",
        title=f"{who} {w.verb(name, 'has', 'have')} {w.possessive(name)} {best} week {since}",
        heading=f"{w.upper_first(w.lower_name(name))}: the {best} week {since}",
        sentences=[first, second],
        importance=importance,
        chart=_price_chart(item, None, None, f"{item.ticker} weekly closes."),
    )


def _event(item: InstrumentSignals, kind: str, *, weeks_ago: int) -> Event | None:
    return next((e for e in item.events if e.kind == kind and e.weeks_ago == weeks_ago), None)


def _theme(item: InstrumentSignals, ctx: StoryContext) -> str:
    """The fund's group's theme, except for a theme a configured pair tells (size): that one is
    the relative trade (small caps against large caps), so a size fund's own breakout or record
    is a "bases" story, and the size pair's turn is not crowded out by it.
    """
    theme = ctx.themes.get(item.ticker, "bases")
    return "bases" if theme in ctx.pair_themes else theme


def _price_chart(
    item: InstrumentSignals, base: BaseState | None, mark: Mark | None, caption: str
) -> StoryChart:
    box = {}
    if (
        base is not None
        and base.start_day is not None
        and base.ceiling is not None
        and base.floor is not None
    ):
        end = base.breakout.day if base.breakout is not None else item.last_bar
        box = {"base_start": base.start_day, "base_end": end, "ceiling": base.ceiling, "floor": base.floor}
    return StoryChart("price", [item.ticker], [mark] if mark else [], caption=caption, **box)  # type: ignore[arg-type]


def _base_words(length_weeks: int, wording: str | None) -> str:
    """``a 2.4-year base``, ``a massive 3.9-year base``, ``a 30-week base``."""
    prefix = "a massive " if wording == "massive base" else "a "
    return f"{prefix}{w.span_adj(length_weeks)} base"


def _fail_stop(ceiling: float, floor: float | None, ctx: StoryContext) -> tuple[float, str]:
    """The stop a base breakout sets: ``fail_tol_pct`` under the ceiling, or the floor when higher."""
    fail = ceiling * (1.0 - ctx.fail_tol_pct / 100.0)
    if floor is not None and floor > fail:
        return round(floor, 2), "the base's floor"
    return round(fail, 2), f"{ctx.fail_tol_pct:g}% under the {w.price(ceiling)} ceiling"


def _fund_story(
    item: InstrumentSignals,
    ctx: StoryContext,
    *,
    kind: str,
    title: str,
    heading: str,
    sentences: list[str],
    importance: float,
    chart: StoryChart,
    key: str | None = None,
    fresh: bool = True,
    follow_through: bool = False,
    state: bool = False,
    long_call: tuple[str, float, str] | None = None,
) -> Story:
    """A story about one fund: its theme (``_theme``), its score (``score.total``), the sentences
    that are not empty, and, with ``long_call = (thesis, stop, why)``, the long call it supports.
    """
    name = ctx.name(item.ticker)
    theme = _theme(item, ctx)
    call = None
    if long_call is not None:
        thesis, stop, why = long_call
        category = ctx.themes.get(item.ticker, "bases")
        call = CallIdea("long", item.ticker, None, thesis, category, stop=stop, stop_reason=why)
    return Story(
        key=key or f"fund:{item.ticker}",
        kind=kind,
        theme=theme,
        tickers=[item.ticker],
        title=title,
        heading=heading,
        sentences=[s for s in sentences if s],
        importance=importance,
        score=score.total(importance, theme, fresh=fresh, follow_through=follow_through, state=state),
        fresh=fresh,
        follow_through=follow_through,
        chart=chart,
        call=call,
        subject_name=w.mention(item.ticker, name),
    )


def _base_breakout(item: InstrumentSignals, event: Event, ath: Event | None, ctx: StoryContext) -> Story:
    name = ctx.name(item.ticker)
    who = ctx.subject(item.ticker)
    length = int(event.detail["length_weeks"])
    base = _base_words(length, str(event.detail.get("wording")))
    its = w.possessive(name)
    first = (
        f"{who} {w.verb(name, 'completes', 'complete')} {base}: {its} first weekly close above the "
        f"{w.price(event.level)} ceiling, at {w.price(event.close)}."
    )
    if ath is not None and ath.notable:
        second = (
            f"It is also {its} first weekly close above the record of {w.day(ath.detail['prior_high_day'])}, "
            f"{w.span(int(ath.detail['weeks_since_high']))} ago."
        )
    else:
        touches = int(event.detail.get("touches") or 0)
        second = f"The range had held since {w.month(event.detail['start_day'])}"
        if event.detail.get("floor"):
            second += f", with a floor at {w.price(float(event.detail['floor']))}"
        second += f" and {w.count_word(touches)} tests of the ceiling." if touches >= 2 else "."
    stop, why = _fail_stop(event.level, event.detail.get("floor"), ctx)
    third = f"A weekly close under {w.price(stop)} ({why}) would mark the breakout as failed."
    importance = score.base_breakout(length)
    title = f"{who} {w.verb(name, 'completes', 'complete')} {base}"
    return _fund_story(
        item,
        ctx,
        kind="base_breakout",
        title=title,
        heading=f"{w.upper_first(w.lower_name(name))}: a breakout",
        sentences=[first, second, third],
        importance=importance + (5.0 if ath is not None and ath.notable else 0.0),
        chart=_price_chart(
            item,
            item.base,
            Mark(event.day, event.level, "Base breakout"),
            f"{item.ticker} weekly closes and its {w.span_adj(length)} base.",
        ),
        long_call=(
            f"{item.ticker} completed {base} with a weekly close at {w.price(event.close)}, "
            f"over its {w.price(event.level)} ceiling.",
            stop,
            why,
        ),
    )


def _ath_breakout(item: InstrumentSignals, event: Event, ctx: StoryContext) -> Story:
    name = ctx.name(item.ticker)
    who = ctx.subject(item.ticker)
    its = w.possessive(name)
    weeks = int(event.detail["weeks_since_high"])
    prior = event.detail["prior_high_day"]
    first = (
        f"{who} {w.verb(name, 'closes', 'close')} at {RECORD}, {w.price(event.close)}: {its} first weekly "
        f"close above the high of {w.day(prior)}, {w.span(weeks)} ago."
    )
    tracked = item.base.breakout if item.base.state == "post_breakout" else None
    if tracked is not None and tracked.day < event.day:
        earlier = _base_words(int(tracked.detail["length_weeks"]), tracked.detail.get("wording"))
        when = w.day(tracked.day)
        second = f"{w.upper_first(its)} breakout from {earlier} on {when} now has its second leg."
    elif item.change_13w_pct is not None and not w.rounds_to_zero(item.change_13w_pct):
        moved = "gained" if item.change_13w_pct > 0 else "lost"
        has = "They have" if w.is_plural(name) else "It has"
        second = f"{has} {moved} {w.pct(item.change_13w_pct)} over 13 weeks."
    else:
        second = ""
    stop = round(event.level * (1.0 - ctx.fail_tol_pct / 100.0), 2)
    why = f"{ctx.fail_tol_pct:g}% under the old high"
    third = f"A weekly close under {w.price(stop)} ({why}) would undo the breakout."
    importance = score.ath_breakout(weeks)
    title = f"{who} {w.verb(name, 'closes', 'close')} above {its} {w.month(prior)} high"
    return _fund_story(
        item,
        ctx,
        kind="ath_breakout",
        title=title,
        heading=f"{w.upper_first(w.lower_name(name))}: a record",
        sentences=[first, second, third],
        importance=importance,
        chart=_price_chart(
            item,
            item.base if item.base.state == "post_breakout" else None,
            Mark(event.day, event.level, "First close above the old high"),
            f"{item.ticker} weekly closes and its old high of {w.day(prior)}.",
        ),
        long_call=(
            f"{item.ticker} made its first weekly close above its {w.month(prior)} high, "
            f"{w.span(weeks)} after it was set.",
            stop,
            why,
        ),
    )


def _second_leg(item: InstrumentSignals, event: Event, base: BaseState, ctx: StoryContext) -> Story:
    tracked = base.breakout
    assert tracked is not None and base.ceiling is not None
    name = ctx.name(item.ticker)
    who = ctx.subject(item.ticker)
    it = "they" if w.is_plural(name) else "it"
    length = int(tracked.detail["length_weeks"])
    after = tracked.weeks_ago
    first = (
        f"{who} {w.verb(name, 'closes', 'close')} at {RECORD}, {w.price(event.close)}, {w.span(after)} after "
        f"{it} broke out of {_base_words(length, tracked.detail.get('wording'))}."
    )
    above = 100.0 * (event.close / base.ceiling - 1.0)
    second = (
        f"That is {w.pct(above)} over the {w.price(base.ceiling)} ceiling: the breakout is working."
        if not w.rounds_to_zero(above)
        else ""
    )
    stop, why = _fail_stop(base.ceiling, base.floor, ctx)
    them = "them" if it == "they" else "it"
    third = f"A weekly close under {w.price(stop)} ({why}) would put {them} back in the range."
    return _fund_story(
        item,
        ctx,
        kind="ath_second_leg",
        title=f"{who} {w.verb(name, 'extends', 'extend')} {w.possessive(name)} breakout to a record",
        heading=f"{w.upper_first(w.lower_name(name))}: the second leg",
        sentences=[first, second, third],
        importance=score.SECOND_LEG,
        chart=_price_chart(
            item,
            base,
            Mark(tracked.day, tracked.level, "Base breakout"),
            f"{item.ticker} weekly closes, its base and the breakout.",
        ),
        long_call=(
            f"{item.ticker} set a record {w.span(after)} after breaking out of "
            f"{_base_words(length, tracked.detail.get('wording'))}: the breakout is working.",
            stop,
            why,
        ),
    )


def _failed(item: InstrumentSignals, failure: Event, base: BaseState, ctx: StoryContext) -> Story:
    name = ctx.name(item.ticker)
    who = ctx.subject(item.ticker)
    tracked = base.breakout
    assert tracked is not None
    length = int(tracked.detail["length_weeks"])
    under = -float(failure.detail["pct_from_ceiling"])
    it = "they" if w.is_plural(name) else "it"
    first = (
        f"{who} {w.verb(name, 'fails', 'fail')} to hold {w.possessive(name)} breakout: a weekly close at "
        f"{w.price(failure.close)}, {w.pct(under)} under the ceiling {it} cleared "
        f"on {w.day(failure.detail['breakout_day'])}."
    )
    second = (
        f"The {w.price(failure.level)} ceiling topped {_base_words(length, tracked.detail.get('wording'))}."
    )
    third = (
        f"The base's floor, {w.price(base.floor)}, is the next support."
        if base.floor is not None and base.floor < failure.close
        else ""
    )
    importance = score.base_failed(length)
    return _fund_story(
        item,
        ctx,
        kind="base_failed",
        title=f"{who} {w.verb(name, 'loses', 'lose')} {w.possessive(name)} breakout",
        heading=f"{w.upper_first(w.lower_name(name))}: a failed breakout",
        sentences=[first, second, third],
        importance=importance,
        chart=_price_chart(
            item,
            base,
            Mark(tracked.day, tracked.level, "Breakout"),
            f"{item.ticker} weekly closes and the base it left.",
        ),
    )


def _attempting(item: InstrumentSignals, base: BaseState, ctx: StoryContext) -> Story:
    assert base.ceiling is not None and base.length_weeks is not None
    name = ctx.name(item.ticker)
    who = ctx.subject(item.ticker)
    phrase = _base_words(base.length_weeks, base.wording)
    gap = base.pct_from_ceiling or 0.0
    closes = w.verb(name, "closes", "close")
    if w.rounds_to_zero(gap):
        first = f"{who} {closes} at the {w.price(base.ceiling)} ceiling of {phrase}."
    elif gap > 0:
        first = (
            f"{who} {closes} {w.pct(gap)} over the {w.price(base.ceiling)} ceiling of {phrase}, "
            f"not yet far enough to confirm a breakout."
        )
    else:
        first = f"{who} {closes} {w.pct(gap)} under the {w.price(base.ceiling)} ceiling of {phrase}."
    has = "have" if w.is_plural(name) else "has"
    since = f" since {w.month(base.start_day)}" if base.start_day else ""
    tight = bool(item.volatility.contraction and item.volatility.bb_width_rank is not None)
    if tight:
        rank = max(1, round(100 * (item.volatility.bb_width_rank or 0.0)))
        second = (
            f"The range, met {w.times(base.touches or 0)}{since}, is tightening: "
            f"{w.possessive(name)} Bollinger width is in the lowest {rank}% of the past year."
        )
    elif base.weeks_in_band and base.weeks_in_band >= 3:
        second = (
            f"{w.upper_first('they' if w.is_plural(name) else 'it')} {has} closed within "
            f"{ctx.attempt_band_pct:g}% of it for {w.span(base.weeks_in_band)} in a row."
        )
    else:
        second = f"The ceiling has been met {w.times(base.touches or 0)}{since}."
    trigger = base.ceiling * (1.0 + ctx.breakout_buffer_pct / 100.0)
    third = f"A weekly close over {w.price(trigger)} would complete the base."
    importance = score.attempting(base.length_weeks, tight)
    return _fund_story(
        item,
        ctx,
        kind="base_attempting",
        title=f"{who} {w.verb(name, 'tests', 'test')} the ceiling of {phrase}",
        heading=f"{w.upper_first(w.lower_name(name))}: testing the ceiling",
        sentences=[first, second, third],
        importance=importance,
        fresh=False,
        state=True,
        chart=_price_chart(
            item, base, None, f"{item.ticker} weekly closes and its {w.span_adj(base.length_weeks)} base."
        ),
    )


def _follow_through(item: InstrumentSignals, ctx: StoryContext) -> Story | None:
    """What became of last week's breakout or record: another record, held, or slipped back."""
    last = next(
        (e for e in item.events if e.weeks_ago == 1 and e.kind in ("base_breakout", "ath_breakout")),
        None,
    )
    name = ctx.name(item.ticker)
    who = ctx.subject(item.ticker)
    its = w.possessive(name)
    if item.at_ath and item.record_weeks >= 2:
        nth = w.ordinal_week(item.record_weeks)
        closes = w.verb(name, "closes", "close")
        first = f"{who} {closes} at {RECORD} for a {nth} week, at {w.price(item.last_close)}."
        kind, title = (
            "record_run",
            f"{who} {w.verb(name, 'adds', 'add')} a {w.ordinal_week(item.record_weeks)} week of records",
        )
    elif last is not None:
        what = "ceiling" if last.kind == "base_breakout" else "old high"
        gap = 100.0 * (item.last_close / last.level - 1.0)
        if gap >= 0 and not w.rounds_to_zero(gap):
            holds = w.verb(name, "holds", "hold")
            first = (
                f"{who} {holds} over {its} {w.price(last.level)} {what} for a second week, "
                f"at {w.price(item.last_close)}."
            )
            kind, title = "base_holds", f"{who} {w.verb(name, 'holds', 'hold')} {its} breakout"
        else:
            where = "at" if w.rounds_to_zero(gap) else w.pct(gap) + " under"
            first = (
                f"{who} {w.verb(name, 'slips', 'slip')} back to {w.price(item.last_close)}, "
                f"{where} the {w.price(last.level)} {what} "
                f"{'it' if not w.is_plural(name) else 'they'} cleared last week."
            )
            kind, title = "base_slips", f"{who} {w.verb(name, 'slips', 'slip')} back to {its} breakout level"
    else:
        return None
    stop_level = last.level if last is not None else item.ath_level
    if stop_level is None:
        return None
    stop = round(stop_level * (1.0 - ctx.fail_tol_pct / 100.0), 2)
    if item.last_close < stop:
        second = f"That is under {w.price(stop)}, {ctx.fail_tol_pct:g}% below it: the breakout has failed."
        kind, title = "base_slips", f"{who} {w.verb(name, 'loses', 'lose')} {its} breakout"
    else:
        second = f"The breakout stands while weekly closes stay over {w.price(stop)}."
    return _fund_story(
        item,
        ctx,
        kind=kind,
        title=title,
        heading=f"{w.upper_first(w.lower_name(name))}: follow-through",
        sentences=[first, second],
        importance=score.FOLLOW_THROUGH,
        fresh=False,
        follow_through=True,
        chart=_price_chart(
            item,
            item.base if item.base.state == "post_breakout" else None,
            None,
            f"{item.ticker} weekly closes.",
        ),
    )


def _n_year_high(item: InstrumentSignals, ctx: StoryContext) -> list[Story]:
    """A 3- or 5-year high this week for a fund still far under its record."""
    found = [
        e
        for e in item.events
        if e.kind.startswith("high_")
        and e.weeks_ago == 0
        and e.notable
        and int(e.kind.split("_")[1].rstrip("y")) >= 3
    ]
    if not found:
        return []
    event = max(found, key=lambda e: int(e.kind.split("_")[1].rstrip("y")))
    years = int(event.kind.split("_")[1].rstrip("y"))
    name = ctx.name(item.ticker)
    who = ctx.subject(item.ticker)
    first = (
        f"{who} {w.verb(name, 'closes', 'close')} at a {years}-year high, {w.price(event.close)}, over the "
        f"{w.price(event.level)} high of {w.day(event.detail['prior_high_day'])}."
    )
    second = (
        f"{'They are' if w.is_plural(name) else 'It is'} still {w.pct(item.pct_from_ath)} under "
        f"{w.possessive(name)} record of {w.day(item.ath_day)}."
        if item.pct_from_ath is not None
        and item.ath_day is not None
        and not w.rounds_to_zero(item.pct_from_ath)
        else ""
    )
    importance = 20.0 + 4.0 * years
    return [
        _fund_story(
            item,
            ctx,
            kind="n_year_high",
            title=f"{who} {w.verb(name, 'reaches', 'reach')} a {years}-year high",
            heading=f"{w.upper_first(w.lower_name(name))}: a {years}-year high",
            sentences=[first, second],
            importance=importance,
            chart=_price_chart(
                item,
                None,
                Mark(event.day, event.level, f"{years}-year high"),
                f"{item.ticker} weekly closes.",
            ),
        )
    ]
