"""The issue's context: everything a template may use, as ``issue.<field>``.

Pure: the week's signals, charts, calls and universe in, an ``IssueContext`` out
(``issue_context``: the title, slug, description, categories and tags, the suggested calls,
the groups, the universe view and the data notes). The editor's guide
(``generator.issue.guide``) lists every field from this module's source.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import jinja2

from generator.calls.ledger import PublishedIssue
from generator.calls.model import Call
from generator.calls.scoring import CallScore
from generator.calls.suggest import suggest_calls
from generator.config import Settings, SignalSettings
from generator.data.notes import issue_lines
from generator.data.prices import PriceHistory
from generator.data.universe import UniverseData
from generator.issue.charts import ChartRef
from generator.issue.text import plain_text
from generator.issue.universe import UniverseView, universe_view
from generator.signals.report import Headline, InstrumentSignals, SignalReport


@dataclass(frozen=True)
class DraftInputs:
    """What drafting reads once per run: prices, the universe, published issues, templates."""

    prices: PriceHistory
    universe: UniverseData | None
    published: list[PublishedIssue]
    env: jinja2.Environment


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


def issue_title(lead: Headline | None, as_of: date) -> str:
    """The issue title: the lead headline's short form, else the week."""
    return lead.title if lead is not None else f"The week ending {as_of:%B} {as_of.day}, {as_of.year}"


def categories_of(headlines: Sequence[Headline], settings: Settings, top: int = 2) -> list[str]:
    """Blog categories: the group labels of the ``top`` headlines (the issue's main stories).

    Few categories per issue keep the category pages meaningful, and each listing an issue
    appears in costs the blog plugin a render of the whole post.
    """
    labels = {g.category: g.label for g in settings.groups.values()}
    seen = list(dict.fromkeys(h.category for h in headlines[:top]))
    return [labels.get(c, c.replace("-", " ").title()) for c in seen] or ["Markets"]


def slugify(text: str, max_length: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "issue"


def issue_context(
    settings: Settings,
    history: PriceHistory,
    report: SignalReport,
    charts: dict[str, ChartRef],
    open_calls: list[CallScore],
    universe: UniverseData | None,
    auto_published: bool = False,
) -> IssueContext:
    """The context of the issue as of ``report.as_of`` (``history`` is already cut there)."""
    as_of = report.as_of
    lead = report.headlines[0] if report.headlines else None
    title = plain_text(issue_title(lead, as_of))
    new_calls = suggest_calls(
        report,
        horizon_weeks=settings.issue.default_horizon_weeks,
        max_calls=settings.issue.max_new_calls,
        open_positions=[s.call.position for s in open_calls],
        adj_close=history.adj_close,
    )
    return IssueContext(
        title=title,
        slug=f"{as_of.isoformat()}-{slugify(title)}",
        as_of=as_of,
        # The theme prints these front-matter fields unescaped: no '<' or '>' from names or labels.
        description=plain_text(lead.text if lead else f"Rotation signals for the week ending {as_of}."),
        categories=[plain_text(c) for c in categories_of(report.headlines, settings)],
        tags=sorted({t for h in report.headlines[:5] for t in h.tickers}),
        report=report,
        lead=lead,
        headlines=report.headlines,
        charts=charts,
        new_calls=new_calls,
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
        data_notes=issue_lines(report.notes, as_of),
        signal_settings=settings.signals,
    )
