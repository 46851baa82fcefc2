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
from generator.signals.instrument_stories import instrument_stories
from generator.signals.market_stories import (
    breadth_story,
    correlation_story,
    relative_stories,
    rotation_story,
)
from generator.signals.report import Headline, SignalReport


def build_headlines(report: SignalReport, settings: Settings) -> list[Headline]:
    """Every headline, best first; ties broken by text for a stable order."""
    out: list[Headline] = []
    for pair in report.pairs:
        out.extend(_best(relative_stories(pair, report, configured=True)))
    pair_keys = {(p.long, p.short) for p in report.pairs}
    for item in report.instruments.values():
        if item.stale:
            continue
        out.extend(_best(instrument_stories(item, report, settings.signals.base.attempt_band_pct)))
        if item.relative is not None and (item.relative.long, item.relative.short) not in pair_keys:
            out.extend(_best(relative_stories(item.relative, report, configured=False)))
        out.extend(rotation_story(item, report))
    for pair in report.pairs:
        out.extend(correlation_story(pair, report))
    for snapshot in report.breadth:
        out.extend(breadth_story(snapshot, report))
    return sorted(out, key=lambda h: (-h.score, h.text))


def _best(stories: Iterable[Headline]) -> list[Headline]:
    ranked = sorted(stories, key=lambda h: (-h.score, h.text))
    return ranked[:1]
