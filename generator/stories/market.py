"""Stories about a whole group or the market: leadership, breadth, correlation; and the one-line
summaries (rotation-graph moves, the week's other breakouts) that stand in for a list.
"""

from __future__ import annotations

from generator.signals.report import BreadthSnapshot, InstrumentSignals, RelativeSignals
from generator.stories import score
from generator.stories import words as w
from generator.stories.context import GroupInfo, StoryContext
from generator.stories.model import Story, StoryChart

BREADTH_SWING_POINTS = 25.0  # a swing in the share above the 200-day average over four weeks
CORRELATION_TAIL_PCT = 10.0  # correlation in the lowest or highest tenth of its five years


def _ranked(group: GroupInfo, ctx: StoryContext) -> list[InstrumentSignals]:
    items = [ctx.report.instruments[t] for t in group.tickers if t in ctx.report.instruments]
    live = [
        i for i in items if not i.stale and i.relative is not None and i.relative.change_13w_pct is not None
    ]
    return sorted(live, key=lambda i: (-(i.relative.change_13w_pct or 0.0), i.ticker))  # type: ignore[union-attr]


def leadership_story(group: GroupInfo, ctx: StoryContext) -> Story | None:
    """The group's two leaders over 13 weeks against its benchmark, and its laggard.

    Told when the leader changed since last week's letter (the key names the leader).
    """
    ranked = _ranked(group, ctx)
    if len(ranked) < 4:
        return None
    leaders, laggard = ranked[:2], ranked[-1]
    key = f"group:{group.key}:{leaders[0].ticker}"
    if key in ctx.told:
        return None
    changes = [i.relative.change_13w_pct or 0.0 for i in leaders]  # type: ignore[union-attr]
    if changes[1] <= 0 or any(w.rounds_to_zero(c) for c in changes):
        return None
    names = [ctx.mention(i.ticker) for i in leaders]
    lag = laggard.relative.change_13w_pct or 0.0  # type: ignore[union-attr]
    first = (
        f"{w.upper_first(w.join_words(names))} lead the {w.lower_name(group.label)} over 13 weeks: "
        f"{w.signed(changes[0])} and {w.signed(changes[1])} against {group.benchmark}."
    )
    second = (
        f"{w.upper_first(ctx.mention(laggard.ticker))} {w.verb(ctx.name(laggard.ticker), 'lags', 'lag')} "
        f"at {w.signed(lag)}."
        if lag < 0 and not w.rounds_to_zero(lag)
        else ""
    )
    plain = [w.lower_name(ctx.name(i.ticker)) for i in leaders]
    rising = [i for i in ranked if i.relative is not None and i.relative.trend == "up"]
    are = "is" if len(rising) == 1 else "are"
    count = w.upper_first(w.count_word(len(rising)))
    third = f"{count} of the {w.count_word(len(ranked))} {are} in a relative uptrend."
    return Story(
        key=key,
        kind="leadership",
        theme=group.category,
        tickers=[i.ticker for i in leaders],
        title=f"{w.upper_first(w.join_words(plain))} lead the {w.lower_name(group.label)}",
        heading=f"Leadership: {w.lower_name(group.label)}",
        sentences=[s for s in (first, second, third) if s],
        importance=score.LEADERSHIP,
        score=score.total(score.LEADERSHIP, group.category, fresh=False, state=True),
        fresh=False,
        chart=None,
        subject_name=w.lower_name(group.label),
    )


def breadth_story(ctx: StoryContext) -> Story | None:
    """The largest swing of 25 points or more in a group's share above its 200-day average."""
    best = None
    for snapshot in ctx.report.breadth:
        slow = max(snapshot.pct_above_sma, key=int) if snapshot.pct_above_sma else None
        now = snapshot.pct_above_sma.get(slow) if slow else None
        before = snapshot.pct_above_slow_sma_4w_ago
        if now is None or before is None or snapshot.eligible < 5:
            continue
        swing = now - before
        if abs(swing) >= BREADTH_SWING_POINTS and (best is None or abs(swing) > abs(best[0])):
            best = (swing, snapshot, now, before, slow)
    if best is None:
        return None
    swing, snapshot, now, before, slow = best
    key = f"breadth:{snapshot.label}:{'up' if swing > 0 else 'down'}"
    if key in ctx.told:
        return None
    count_now = round(snapshot.eligible * now / 100.0)
    count_before = round(snapshot.eligible * before / 100.0)
    # "All ETFs" (every fund of every group) reads as "funds we follow" in a sentence.
    label = "funds we follow" if snapshot.label == "All ETFs" else w.lower_name(snapshot.label)
    total = snapshot.eligible
    if count_now == total:
        now_words = f"all {w.count_word(total)} of the {label} close"
    elif count_now == 0:
        now_words = f"none of the {w.count_word(total)} {label} close"
    else:
        now_words = f"{w.count_word(count_now)} of the {w.count_word(total)} {label} close"
    before_words = w.count_word(count_before) if count_before else "none"
    first = (
        f"Breadth {'thrusts' if swing > 0 else 'breaks down'}: {now_words} above their {slow}-day "
        f"averages, {'up' if swing > 0 else 'down'} from {before_words} a month earlier."
    )
    return Story(
        key=key,
        kind="breadth_thrust",
        theme="breadth",
        tickers=[],
        title=f"Breadth {'thrusts' if swing > 0 else 'breaks down'} across the {label}",
        heading="Breadth",
        sentences=[first, *_fast_breadth(snapshot)],
        importance=score.BREADTH_THRUST,
        score=score.total(score.BREADTH_THRUST, "breadth", fresh=True),
        fresh=True,
        chart=StoryChart("breadth", [], caption="The share of the funds above their 200-day averages."),
        subject_name=label,
    )


def _fast_breadth(snapshot: BreadthSnapshot) -> list[str]:
    """The share above the 50-day average, the faster reading of the same breadth."""
    fast = min(snapshot.pct_above_sma, key=int) if snapshot.pct_above_sma else None
    share = snapshot.pct_above_sma.get(fast) if fast else None
    if share is None or len(snapshot.pct_above_sma) < 2:
        return []
    count = round(snapshot.eligible * share / 100.0)
    if not count:
        return [f"No fund is above its {fast}-day average."]
    are = "is" if count == 1 else "are"
    return [f"{w.upper_first(w.count_word(count))} {are} above their {fast}-day averages."]


def correlation_story(pair: RelativeSignals, ctx: StoryContext) -> Story | None:
    """The size pair's correlation when it is in the lowest or highest tenth of five years.

    Worded from the percentile (the share of the last five years' readings below today's):
    "less correlated than usual" only in the lowest tenth, "more" only in the highest.
    """
    corr = pair.correlation
    rank = corr.corr_rank_pct
    first = next(iter(corr.corr_by_days.items()), None)
    if rank is None or first is None or first[1] is None:
        return None
    low = rank <= CORRELATION_TAIL_PCT
    high = rank >= 100.0 - CORRELATION_TAIL_PCT
    if not (low or high):
        return None
    key = f"corr:{pair.long}/{pair.short}:{'low' if low else 'high'}"
    if key in ctx.told:
        return None
    names = ctx.pair_names(pair)
    days, value = first
    if low:
        where = (
            "the lowest reading in five years"
            if rank < 0.5
            else f"lower than {100 - rank:.0f}% of the readings of five years"
        )
        claim = f"{w.upper_first(names.long_plain)} move less with {names.short} than usual"
    else:
        where = (
            "the highest reading in five years"
            if rank > 99.5
            else f"higher than {rank:.0f}% of the readings of five years"
        )
        claim = f"{w.upper_first(names.long_plain)} move more with {names.short} than usual"
    if not w.is_plural(names.long_plain):
        claim = claim.replace(" move ", " moves ", 1)
    sentence = (
        f"{claim}: the {days}-day correlation of {pair.long} with {pair.short} is {value:.2f}, {where}."
    )
    return Story(
        key=key,
        kind="correlation",
        theme="correlation",
        tickers=[pair.long, pair.short],
        title=claim,
        heading="Correlation",
        sentences=[sentence, *_longer_correlation(corr.corr_by_days, str(days))],
        importance=score.CORRELATION,
        score=score.total(score.CORRELATION, "correlation", fresh=True),
        fresh=True,
        chart=StoryChart(
            "correlation",
            [pair.long, pair.short],
            caption=f"The {days}-day correlation of {pair.long} and {pair.short}.",
        ),
        subject_name=f"{names.long_plain} and {names.short}",
    )


def _longer_correlation(by_days: dict[str, float | None], shown: str) -> list[str]:
    """The longer window's correlation, for scale ("Over 252 days it is 0.74.")."""
    longer = [(d, v) for d, v in by_days.items() if d != shown and v is not None]
    if not longer:
        return []
    days, value = longer[-1]
    return [f"Over {days} days it is {value:.2f}."]


def rotation_line(group: GroupInfo, ctx: StoryContext) -> str:
    """One sentence for the group's notable moves on the rotation graph this week (into Leading or
    Lagging), or what stays put when nothing moved: never one sentence per fund.
    """
    points = [p for p in ctx.report.rrg if p.ticker in group.tickers and p.benchmark == group.benchmark]
    into = {
        q: [p for p in points if p.rotation and p.quadrant == q]
        for q in ("Leading", "Lagging", "Improving", "Weakening")
    }
    parts = []
    for quadrant in ("Leading", "Lagging"):
        moved = [
            w.lower_name(ctx.name(p.ticker))
            for p in sorted(into[quadrant], key=lambda p: -(p.distance or 0.0))
        ]
        if moved:
            verb = "rotates" if len(moved) == 1 and not w.is_plural(moved[0]) else "rotate"
            parts.append(f"{w.join_words(moved[:3])} {verb} into {quadrant.lower()}")
    if not parts:
        leading = [w.lower_name(ctx.name(p.ticker)) for p in points if p.quadrant == "Leading"]
        if not leading:
            return ""
        verb = "leads" if len(leading) == 1 and not w.is_plural(leading[0]) else "lead"
        return f"No fund changed quadrant this week; {w.join_words(leading[:3])} {verb}."
    return w.upper_first("; ".join(parts)) + "."


def roundup_line(stories: list[Story]) -> str | None:
    """One sentence naming this week's other breakouts and records (no numbers: the tables have them)."""
    bases = [s.subject_name for s in stories if s.kind == "base_breakout" and s.subject_name]
    records = [
        s.subject_name for s in stories if s.kind in ("ath_breakout", "ath_second_leg") and s.subject_name
    ]
    parts = []
    if bases:
        if len(bases) == 1:
            parts.append(f"{bases[0]} also {w.verb(bases[0], 'completes', 'complete')} a base")
        else:
            parts.append(f"{w.join_words(bases[:4])} also complete bases")
    if records:
        one = len(records) == 1
        verb = w.verb(records[0], "closes", "close") if one else "close"
        what = "a record" if one else "records"
        parts.append(f"{w.join_words(records[:4])} {'also ' if not bases else ''}{verb} at {what}")
    if not parts:
        return None
    return w.upper_first("; ".join(parts)) + "."
