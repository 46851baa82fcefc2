"""Calls that follow the stories: the lead's first, each with the thesis and stop its story sets.

A relative story (the size pair, a sector against its benchmark) suggests the pair
(``long IWM vs IWB``) with a stop on the relative return where the story would be wrong (the
ratio back under its 200-day average, or back under the level it broke); a fund's breakout
suggests ``long T`` with a stop on a weekly close where its breakout fails (the old ceiling or
high less the failure tolerance, or the base's floor when that is higher). Stories that favour
no position (a failure, a test of a ceiling, leadership, breadth) suggest none.
``generator.calls.suggest_calls`` then drops open positions and same-bet duplicates.
"""

from __future__ import annotations

from datetime import date

from generator.calls.model import Call
from generator.signals.report import SignalReport
from generator.stories.model import Letter


def story_calls(letter: Letter, report: SignalReport, horizon_weeks: int) -> list[Call]:
    """One candidate call per told story that supports one, in the letter's order (lead first)."""
    as_of: date = report.as_of
    out: list[Call] = []
    for story in letter.told:
        idea = story.call
        if idea is None:
            continue
        legs = [idea.ticker] + ([idea.benchmark] if idea.benchmark else [])
        if any(t not in report.instruments for t in legs):
            continue
        position = f"{idea.direction}-{idea.ticker}" + (f"-vs-{idea.benchmark}" if idea.benchmark else "")
        out.append(
            Call(
                id=f"{as_of.isoformat()}-{position}".lower(),
                direction=idea.direction,
                ticker=idea.ticker,
                benchmark=idea.benchmark,
                category=idea.category,
                thesis=idea.thesis,
                entry={t: float(report.instruments[t].last_close) for t in legs},
                horizon_weeks=horizon_weeks,
                stop=idea.stop,
                stop_pct=idea.stop_pct,
            )
        )
    return out


def stop_reasons(letter: Letter, calls: list[Call]) -> dict[str, str]:
    """What each suggested call's stop is, by call id ("5% under the 51.64 ceiling")."""
    reasons = {}
    for call in calls:
        for story in letter.told:
            idea = story.call
            if idea is not None and (idea.ticker, idea.benchmark) == (call.ticker, call.benchmark):
                reasons[call.id] = idea.stop_reason
                break
    return reasons
