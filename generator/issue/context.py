"""The issue's context: everything a template may use, as ``issue.<field>``.

Pure: the week's signals, charts, calls and universe in, an ``IssueContext`` out
(``issue_context``: the title, slug, description, categories and tags, the suggested calls,
the groups, the universe view and the data notes). The editor's guide
(``generator.issue.guide``) lists every field from this module's source.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import jinja2

from generator.calls.ledger import PublishedIssue
from generator.calls.model import Call
from generator.calls.scoring import CallScore
from generator.calls.stories import stop_reasons, story_calls
from generator.calls.suggest import suggest_calls
from generator.config import Settings, SignalSettings
from generator.data.notes import issue_lines
from generator.data.prices import PriceHistory
from generator.data.universe import UniverseData
from generator.issue.charts import ChartRef
from generator.issue.text import plain_text
from generator.issue.universe import UniverseView, universe_view
from generator.signals.report import Headline, InstrumentSignals, SignalReport
from generator.stories.market import rotation_line
from generator.stories.model import Letter, Story
from generator.stories.select import context_for


@dataclass(frozen=True)
class DraftInputs:
    """What drafting reads once per run: prices, the universe, published issues, templates; and
    the signals of the last week drafted (a backfill's next week reads them as its week before).
    """

    prices: PriceHistory
    universe: UniverseData | None
    published: list[PublishedIssue]
    env: jinja2.Environment
    reports: dict[date, SignalReport] = field(default_factory=dict)  # the last week drafted, by as-of


@dataclass(frozen=True)
class GroupView:
    """A configured group of ETFs, as templates see it."""

    key: str  # the table name in newsletter.toml: [groups.<key>]
    label: str  # its display label, e.g. "S&P 500 sectors"
    benchmark: str  # the ticker the group is read against
    category: str  # the call and blog category of the group
    tickers: list[str]  # its members, in config order


@dataclass(frozen=True)
class IssueContext:
    """Everything a template may use, as ``issue.<field>`` (see the editor's guide)."""

    title: str  # the issue's title, from the lead headline
    slug: str  # the post's file name and URL slug: <date>-<words>
    as_of: date  # the Friday the issue is computed as of (no later bar is used)
    description: str  # one sentence for the archive, feeds and social previews
    categories: list[str]  # blog categories: the groups the top headlines belong to
    tags: list[str]  # tickers in the top headlines (one tag page per ticker)
    report: SignalReport  # every signal computed as of the issue's date
    lead: Headline | None  # the highest-ranked headline, or none in a quiet week
    headlines: list[Headline]  # every headline, best first
    charts: dict[str, ChartRef]  # the charts drawn for this issue, by key
    new_calls: list[Call]  # calls suggested this week (the editor keeps, edits or drops them)
    open_calls: list[CallScore]  # calls published earlier and still open, scored to this week
    sections: list[str]  # the section partials to include, in order ([issue] sections)
    site_title: str  # [site] title in newsletter.toml
    synthetic: bool  # true when the prices are the built-in synthetic demo set
    source_label: str  # where the prices come from, in words
    auto_published: bool  # true for demo issues, published without an editor
    names: dict[str, str] = field(default_factory=dict)  # display name per ticker
    groups: dict[str, GroupView] = field(default_factory=dict)  # the configured groups, by key
    universe: UniverseView | None = None  # the small-cap universe, when a snapshot is stored
    data_notes: list[str] = field(default_factory=list)  # data problems, condensed for the issue
    signal_settings: SignalSettings = SignalSettings()  # every [signals.*] parameter of newsletter.toml
    letter: Letter | None = None  # the week's stories: the title, the lead, the supporting stories
    dashboard: list[str] = field(default_factory=list)  # the dashboard's panels, in order ([issue] dashboard)
    call_notes: dict[str, str] = field(default_factory=dict)  # by call id: what sets its stop
    rotation_lines: dict[str, str] = field(default_factory=dict)  # by group key: its rotation-graph moves
    one_close: list[str] = field(default_factory=list)  # funds with one (dividend-adjusted) close

    def stories(self, *kinds: str, tickers: Sequence[str] | None = None) -> list[Headline]:
        """Headlines whose kind starts with one of ``kinds`` (all without), about ``tickers`` if given."""
        wanted = None if tickers is None else list(tickers)
        return [
            h
            for h in self.headlines
            if (not kinds or h.kind.startswith(kinds)) and (wanted is None or list(h.tickers) == wanted)
        ]

    def members(self, group_key: str) -> list[InstrumentSignals]:
        """The signals of a group's ETFs that have prices this week, in config order."""
        group = self.groups.get(group_key)
        if group is None:
            return []
        return [self.report.instruments[t] for t in group.tickers if t in self.report.instruments]


def slugify(text: str, max_length: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "issue"


QUIET_WEEK = "A quiet week: no base, breakout or turn in a ratio stood out; the dashboard has every number."


def issue_context(
    settings: Settings,
    history: PriceHistory,
    report: SignalReport,
    letter: Letter,
    charts: dict[str, ChartRef],
    open_calls: list[CallScore],
    universe: UniverseData | None,
    auto_published: bool = False,
) -> IssueContext:
    """The context of the issue telling ``letter`` as of ``report.as_of`` (``history`` is cut
    there), before its calls (``told_by`` adds them).
    """
    as_of = report.as_of
    title = plain_text(letter.title)
    told = letter.told
    return IssueContext(
        title=title,
        slug=f"{as_of.isoformat()}-{slugify(title)}",
        as_of=as_of,
        # The theme prints these front-matter fields unescaped: no '<' or '>' from names or labels.
        description=plain_text(told[0].sentences[0] if told else QUIET_WEEK),
        categories=[plain_text(c) for c in story_categories(told, settings)],
        tags=sorted({t for story in told for t in story.tickers}),
        report=report,
        lead=report.headlines[0] if report.headlines else None,
        headlines=report.headlines,
        charts=charts,
        new_calls=[],
        open_calls=open_calls,
        sections=list(settings.issue.sections),
        site_title=settings.site.title,
        synthetic=history.synthetic,
        source_label=history.source_label,
        auto_published=auto_published,
        names=settings.names,
        groups={
            key: GroupView(key, g.label, g.benchmark, g.category, list(g.tickers))
            for key, g in settings.groups.items()
        },
        universe=universe_view(universe, as_of, settings),
        data_notes=issue_lines(report.notes, as_of, tickers=list(report.instruments)),
        signal_settings=settings.signals,
        letter=letter,
        dashboard=list(settings.issue.dashboard),
        rotation_lines=rotation_lines(report, settings),
        one_close=sorted(t for t, item in report.instruments.items() if item.one_close),
    )


def told_by(
    issue: IssueContext, kept: Letter, history: PriceHistory, settings: Settings
) -> IssueContext:
    """The issue telling ``kept``: its calls follow its stories (``calls.stories``), less open
    positions and same-bet duplicates (``calls.suggest``).
    """
    calls = suggest_calls(
        story_calls(kept, issue.report, settings.issue.default_horizon_weeks),
        max_calls=settings.issue.max_new_calls,
        open_positions=[s.call.position for s in issue.open_calls],
        adj_close=history.adj_close,
    )
    return replace(
        issue,
        letter=kept,
        new_calls=calls,
        call_notes=stop_reasons(kept, calls),
        tags=sorted({t for story in kept.told for t in story.tickers}),
        categories=[plain_text(c) for c in story_categories(kept.told, settings)],
    )


def story_categories(stories: Sequence[Story], settings: Settings, top: int = 2) -> list[str]:
    """Blog categories: the groups of the first ``top`` stories' funds (the lead's first), else
    their themes ("Breadth").
    """
    labels = {g.category: g.label for g in settings.groups.values()}
    found = [settings.group_of(s.tickers[0]) if s.tickers else None for s in stories[:top]]
    seen = list(dict.fromkeys(g[1].category if g else s.theme for g, s in zip(found, stories, strict=False)))
    return [labels.get(c, c.replace("-", " ").title()) for c in seen] or ["Markets"]


def rotation_lines(report: SignalReport, settings: Settings) -> dict[str, str]:
    """One sentence per group: its notable moves on the rotation graph this week."""
    ctx = context_for(report, settings)
    return {group.key: rotation_line(group, ctx) for group in ctx.groups}
