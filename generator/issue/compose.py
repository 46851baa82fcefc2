"""One week's issue, composed: its signals, stories, charts, context and text, before anything
is drawn or written (the body of `rotation draft`).

The stories of the week (``generator.stories``) give the issue its title, lead and supporting
stories; last week's stories come from the signals of the week before, so a story told last
week is not told again as news. The text is rendered, then re-rendered without the last
supporting story while its prose is over ``[issue] max_prose_words``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from generator import __version__
from generator.calls.ledger import open_scores_as_of
from generator.charts import ChartJob
from generator.config import Settings, SourceSpec
from generator.data.prices import PriceHistory
from generator.errors import DataError
from generator.issue.charts import ChartRef, plan_charts, without_dropped
from generator.issue.context import DraftInputs, IssueContext, issue_context, told_by
from generator.issue.drafts import issue_front_matter, render_issue
from generator.issue.weeks import history_as_of
from generator.paths import Layout
from generator.signals import SignalReport, compute_signals
from generator.stories.lint import count_words, parse_issue
from generator.stories.model import Letter
from generator.stories.select import last_week, week_letter


@dataclass(frozen=True)
class ComposedIssue:
    """A week's issue, ready to write: its text, the charts it shows, its signals and stories."""

    issue: IssueContext
    text: str
    jobs: list[ChartJob]  # the charts it shows (none planned with ``charts=False``)
    report: SignalReport
    letter: Letter | None  # the stories it tells (after the prose budget)


def compose_issue(
    settings: Settings,
    layout: Layout,
    inputs: DraftInputs,
    as_of: date,
    *,
    source: SourceSpec,
    auto_published: bool = False,
    charts: bool = True,
) -> ComposedIssue:
    """The issue of the week ending ``as_of``, from the bars on or before it.

    The signals of the week before come from ``inputs.reports`` when the last week drafted was
    that one (a backfill), else they are computed; ``charts=False`` plans none (the letter lint
    drafts hundreds of weeks). A template error stops here, before anything is drawn or written.
    """
    history = history_as_of(inputs.prices, as_of)
    report = compute_signals(history, settings, as_of)
    before = as_of - timedelta(weeks=1)
    known = inputs.reports
    week_before = known[before] if before in known else report_of(settings, inputs.prices, before)
    known.clear()  # only the last week's are kept: a long backfill does not hold them all
    known[as_of] = report
    letter = week_letter(report, settings, last_week(week_before, settings))
    open_calls = open_scores_as_of(inputs.published, history, as_of)
    stocks = inputs.universe
    refs: dict[str, ChartRef] = {}
    jobs: list[ChartJob] = []
    if charts:
        refs, jobs = plan_charts(settings, layout, history, report, open_calls, stocks, letter)
    issue = issue_context(settings, history, report, letter, refs, open_calls, stocks, auto_published)
    while True:  # the prose budget: leave out the last supporting story while over it
        told = told_by(issue, letter, history, settings)
        text = render_issue(inputs.env, told, issue_front_matter(told, __version__, source))
        if not letter.stories or count_words(parse_issue(text)) <= settings.issue.max_prose_words:
            break
        letter = replace(letter, stories=letter.stories[:-1])
    shown = without_dropped(jobs, refs, issue.letter, told.letter)
    return ComposedIssue(told, text, shown, report, told.letter)


def report_of(settings: Settings, prices: PriceHistory, day: date) -> SignalReport | None:
    """The signals of the week ending ``day`` (None before the data's first week)."""
    if day < prices.first_day:
        return None
    try:
        return compute_signals(prices.as_of(day), settings, day)
    except DataError:
        return None
