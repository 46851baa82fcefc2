"""A letter's stories: what each says, how much it matters, the chart and call that go with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Mark:
    """A point a story refers to, for its chart to mark (the 200-day cross, a multi-year low)."""

    day: date  # the week (its Friday) of the point
    level: float  # in the units of the charted series: a raw ratio or a price
    label: str  # what the chart may write beside it: "200-day cross", "Lowest since 2000"


@dataclass(frozen=True)
class StoryChart:
    """What a story's chart shows; the chart planner maps it onto a chart builder.

    ``kind``: ``ratio`` (``tickers`` = long, short; adjusted closes), ``price`` (one ticker,
    with the base box when ``ceiling`` is set), ``breadth`` or ``correlation``.
    """

    kind: str  # ratio, price, breadth or correlation
    tickers: list[str]  # [long, short] for a ratio, [ticker] for a price
    marks: list[Mark] = field(default_factory=list)  # the points the story names, the main one first
    base_start: date | None = None  # price charts: the base the story is about, from this week
    base_end: date | None = None  # to this week (its breakout, or the week)
    ceiling: float | None = None  # the base's ceiling (price)
    floor: float | None = None  # the base's floor (price)
    caption: str = ""  # the line under the chart


@dataclass(frozen=True)
class CallIdea:
    """The call a story supports: the position, its thesis in one sentence, the stop the story sets."""

    direction: str  # long or short
    ticker: str  # the instrument held
    benchmark: str | None  # the other leg of a pair call, or none for an outright call
    thesis: str  # one sentence: why
    category: str  # the call's category (the story's theme)
    stop: float | None = None  # outright calls: a weekly close through this price
    stop_pct: float | None = None  # pair calls: a relative return below this (negative %)
    stop_reason: str = ""  # what the stop is: "5% under the 51.64 ceiling", "the ratio's 200-day average"


@dataclass(frozen=True)
class Story:
    """One story: a paragraph of two to four sentences, its chart and its call."""

    key: str  # what it is about, for novelty across weeks: "pair:IWM/IWB", "fund:XLV", "group:sectors"
    kind: str  # the event or state told: base_breakout, ath_breakout, pair_slow_cross, ...
    theme: str  # house theme: size, sectors, smallcap-sectors, thematic, bases, breadth, correlation
    tickers: list[str]  # the instruments it is about (a pair: long, short)
    title: str  # the claim in words, for the title when it leads
    heading: str  # a short heading above its paragraph
    sentences: list[str]  # two to four sentences, the claim first
    importance: float  # how much the event matters (stories.score)
    score: float  # importance + novelty + theme weight: the selection order
    fresh: bool  # the event happened this week
    follow_through: bool = False  # told last week; this is what became of it
    chart: StoryChart | None = None  # what its chart shows (key "story:<key>" in issue.charts)
    call: CallIdea | None = None  # the call it supports, if any
    subject_name: str = ""  # the name of what it is about, for a roundup line

    @property
    def text(self) -> str:
        """The paragraph."""
        return " ".join(self.sentences)


@dataclass(frozen=True)
class Letter:
    """The week's stories as an issue tells them."""

    title: str  # the title (never the previous issue's)
    lead: Story | None  # the lead story, or none in a quiet week
    stories: list[Story]  # supporting stories, in house order
    roundup: str | None  # one sentence naming this week's other breakouts and records, if any
    previous_title: str | None  # last week's title (recomputed from last week's signals)
    candidates: int  # how many stories were considered

    @property
    def told(self) -> list[Story]:
        """The lead and the supporting stories."""
        return ([self.lead] if self.lead else []) + list(self.stories)
