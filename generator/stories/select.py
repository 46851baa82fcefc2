"""Story selection (pure): signals report and last week's stories in, the week's letter out.

1. Candidates: every story the report supports (``funds``, ``pairs``, ``market``), one per fund,
   pair or group (its best), scored by ``stories.score``.
2. Novelty: a story last week's letter told is not told again as it was. Its builder either
   tells what became of it (follow-through: "holds over its ceiling for a second week") or
   leaves it out (a base still being tested, the same sector still leading).
3. The lead is the best-scored story whose title is not one of last week's titles. Then up to
   ``max_supporting`` stories, each scoring at least ``MIN_SUPPORTING_SCORE``: first the best
   of each theme in the house order (size, sectors, small-cap sectors, themes, bases, breadth,
   correlation), then the best of the rest, at most two a theme. They are shown in the house
   order.
4. This week's other breakouts and records are named in one roundup sentence.

Last week's stories: drafting week W recomputes them from the signals as of W-1
(``last_week``): every candidate story of W-1 counts as told, with its title. The letter W-1
actually printed is made of those candidates (its lead is one of them, whatever W-2 held), so
W repeats neither its title nor its stories, and no recursion through earlier weeks is needed:
a draft of W depends on the signals of W and W-1 only. That is pure and deterministic: the
same whether W is drafted alone or in a backfill, whatever posts the workspace holds
(DESIGN.md, principles 1 and 5), and no bar after W reaches it. The price: a story crowded out
of last week's letter counts as told (it is last week's news by now: its follow-through can
still be told), and a title an editor rewrote by hand is not known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from generator.config import Settings
from generator.signals.report import SignalReport
from generator.stories import words as w
from generator.stories.context import StoryContext, story_context
from generator.stories.funds import RECORD, fund_stories
from generator.stories.market import breadth_story, correlation_story, leadership_story, roundup_line
from generator.stories.model import Letter, Story
from generator.stories.pairs import pair_story
from generator.stories.score import THEME_ORDER

MIN_SUPPORTING_SCORE = 35.0
MAX_PER_THEME = 2
RECORD_ON_TOTAL_RETURN = "a record on a total-return basis"


def candidates(
    report: SignalReport, settings: Settings, told: Mapping[str, str] | None = None
) -> list[Story]:
    """Every candidate story of the week, best first (score, then key)."""
    ctx = story_context(report, settings, told)
    out: list[Story] = []
    configured = {(p.long, p.short) for p in settings.pairs}
    told_categories: set[str] = set()
    for pair in report.pairs:
        if pair.category in told_categories:
            continue  # IWM/IWB and IWM/SPY are one bet: the first configured pair of a theme speaks
        told_categories.add(pair.category)
        story = pair_story(pair, ctx, pair.category, configured=True)
        if story is not None:
            out.append(story)
    for item in report.instruments.values():
        out.extend(fund_stories(item, ctx))
        relative = item.relative
        theme = ctx.themes.get(item.ticker, "bases")
        # A fund of a configured pair's theme against its benchmark (mid caps against SPY) tells
        # the configured pair's story again: only other groups' funds get a pair story.
        if theme in told_categories:
            continue
        if relative is not None and (relative.long, relative.short) not in configured and not item.stale:
            story = pair_story(relative, ctx, theme, configured=False)
            if story is not None:
                out.append(story)
    for group in ctx.groups:
        if group.category != "size":
            story = leadership_story(group, ctx)
            if story is not None:
                out.append(story)
    breadth = breadth_story(ctx)
    if breadth is not None:
        out.append(breadth)
    size = next((p for p in report.pairs if p.category == "size"), None)
    if size is not None:
        corr = correlation_story(size, ctx)
        if corr is not None:
            out.append(corr)
    return sorted(out, key=lambda s: (-s.score, s.key, s.kind))


def select_letter(
    stories: list[Story],
    as_of: date,
    *,
    previous: LastWeek | None = None,
    max_supporting: int = 4,
    one_close: frozenset[str] = frozenset(),
    roundup_only: frozenset[str] = frozenset(),
) -> Letter:
    """The lead, the supporting stories and the roundup from ``stories`` (module doc, steps 3-4).

    A story about one of ``roundup_only`` (the large-cap legs of the configured pairs, IWB: its
    breakouts and records are the market's, told with the benchmark's) is named in the roundup
    at most.
    """
    pool: list[Story] = []
    keys: set[str] = set()
    extras: list[Story] = []
    for story in sorted(stories, key=lambda s: (-s.score, s.key, s.kind)):
        if story.key in keys:
            continue
        keys.add(story.key)
        if story.tickers[:1] and story.tickers[0] in roundup_only and story.key.startswith("fund:"):
            extras.append(story)
        else:
            pool.append(story)
    old_titles = previous.titles if previous else frozenset()
    lead = next((s for s in pool if s.title.lower() not in old_titles), None)
    chosen: list[Story] = []
    themes = {lead.theme: 1} if lead else {}

    def take(story: Story) -> bool:
        if len(chosen) >= max_supporting or story is lead or story.score < MIN_SUPPORTING_SCORE:
            return False
        if story in chosen or themes.get(story.theme, 0) >= MAX_PER_THEME:
            return False
        themes[story.theme] = themes.get(story.theme, 0) + 1
        chosen.append(story)
        return True

    # First the best story of each theme, in the house order; then the best of the rest.
    for theme in THEME_ORDER:
        next((s for s in pool if s.theme == theme and take(s)), None)
    for story in pool:
        take(story)
    chosen.sort(key=lambda s: (_theme_rank(s.theme), -s.score, s.key))
    told = [s for s in ([lead] if lead else []) + chosen]
    told_keys = {s.key for s in told}
    rest = [s for s in [*pool, *extras] if s.key not in told_keys and s.fresh]
    roundup = roundup_line(rest)
    told = _qualify_records(told, one_close)
    lead, chosen = (told[0], told[1:]) if lead else (None, told)
    title = lead.title if lead else f"The week ending {w.day(as_of)}"
    return Letter(
        title=title,
        lead=lead,
        stories=chosen,
        roundup=roundup,
        previous_title=previous.title if previous else None,
        candidates=len(pool),
    )


def _theme_rank(theme: str) -> int:
    return THEME_ORDER.index(theme) if theme in THEME_ORDER else len(THEME_ORDER)


def _qualify_records(stories: list[Story], one_close: frozenset[str]) -> list[Story]:
    """Say once, at the first record of a one-close fund, that it is on a total-return basis."""
    out = []
    done = False
    for story in stories:
        if not done and story.tickers and story.tickers[0] in one_close:
            sentences = list(story.sentences)
            for i, sentence in enumerate(sentences):
                if f"at {RECORD}" in sentence:
                    sentences[i] = sentence.replace(f"at {RECORD}", f"at {RECORD_ON_TOTAL_RETURN}", 1)
                    done = True
                    break
            story = replace(story, sentences=sentences)
        out.append(story)
    return out


@dataclass(frozen=True)
class LastWeek:
    """What last week's letter told, recomputed from last week's signals (module doc)."""

    as_of: date
    told: dict[str, str]  # story key -> kind (its best), for every candidate of last week
    titles: frozenset[str]  # their titles, lower-cased
    title: str  # last week's top candidate's title


def last_week(report: SignalReport | None, settings: Settings) -> LastWeek | None:
    """Last week's stories: every candidate of its signals (with no memory of the week before)."""
    if report is None:
        return None
    pool = candidates(report, settings)
    told: dict[str, str] = {}
    for story in pool:
        told.setdefault(story.key, story.kind)
    title = pool[0].title if pool else f"The week ending {w.day(report.as_of)}"
    return LastWeek(report.as_of, told, frozenset({title.lower(), *(s.title.lower() for s in pool)}), title)


def week_letter(report: SignalReport, settings: Settings, previous: LastWeek | None) -> Letter:
    """The week's letter, told against last week's strong stories."""
    return select_letter(
        candidates(report, settings, previous.told if previous else {}),
        report.as_of,
        previous=previous,
        max_supporting=settings.issue.max_supporting_stories,
        one_close=_one_close(report),
        roundup_only=_roundup_only(settings),
    )


def _roundup_only(settings: Settings) -> frozenset[str]:
    return frozenset(p.short for p in settings.pairs) - {settings.benchmark}


def _one_close(report: SignalReport) -> frozenset[str]:
    return frozenset(t for t, item in report.instruments.items() if item.one_close)


def context_for(report: SignalReport, settings: Settings) -> StoryContext:
    """The builders' context (for the dashboard's one-liners)."""
    return story_context(report, settings)
