"""The pipeline, one short function per command, calling the stages in order:
data -> signals -> stories -> charts -> calls -> issue -> site -> send.

No rule lives here: where files go is ``paths.Layout``, which week an issue is of is
``issue.weeks``, what a source or a screener is is ``data.sources``, and so on. Each function
takes settings explicitly; the time of the run (``now``, read once by cli.py) is passed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from generator.calls import ledger
from generator.charts import ChartJob
from generator.config import Settings, SourceSpec
from generator.data import universe
from generator.data.checks import refuse_future_bars
from generator.data.fetch import FetchSummary, fetch_into_store, fetch_targets
from generator.data.prices import PriceHistory
from generator.data.sources import make_screener, make_source
from generator.data.sources.base import new_york_day
from generator.data.store import PriceStore
from generator.data.universe import UniverseRun, load_universe, screen_from_settings
from generator.issue import drafts
from generator.issue import weeks as issue_weeks
from generator.issue.charts import chart_drawer, draw_issue_charts, live_jobs
from generator.issue.compose import compose_issue
from generator.issue.context import DraftInputs
from generator.issue.drafts import BackfillResult, DraftResult
from generator.issue.text import template_env
from generator.paths import Layout
from generator.signals import SignalReport, compute_signals
from generator.site import build as site_build
from generator.site.build import BuildResult
from generator.site.engine import sync_site_config
from generator.site.folder import owned_site
from generator.site.publish import auto_published_at, mark_published, publish_post
from generator.site.write import generate_site
from generator.workspace import holds_workspace

if TYPE_CHECKING:  # imported when used: the email modules load css-inline and Markdown
    from generator.send.post import EmailExport
    from generator.send.report import SendReport
    from generator.send.run import Hooks, SendOptions

DEMO = SourceSpec.parse("demo")
Say = Callable[[str], None]  # a line for the user (the CLI prints it)


def price_store(settings: Settings, spec: SourceSpec) -> PriceStore:
    """The price store of one source."""
    return PriceStore(Layout.of(settings).store_for(spec))


def tickers_to_fetch(
    settings: Settings, spec: SourceSpec, tickers: Sequence[str] | None, now: datetime, with_universe: bool
) -> list[str]:
    """The tickers `rotation fetch` will ask ``spec`` for (to size the progress bar)."""
    source = make_source(spec, settings, now=now)
    return fetch_targets(
        source, price_store(settings, spec), tickers, settings.tickers, with_universe=with_universe
    )


def fetch_prices(
    settings: Settings, spec: SourceSpec, *, now: datetime, tickers: Sequence[str] | None = None,
    start: date | None = None, full: bool = False, with_universe: bool = False,
    progress: Callable[[int], None] | None = None,
) -> FetchSummary:
    """`rotation fetch`: bring the store of ``spec`` up to date (``data.fetch``); a ticker with a
    bar dated after the run's date fails.
    """
    source = make_source(spec, settings, now=now, yfinance_cache=Layout.of(settings).yfinance_cache)
    store = price_store(settings, spec)
    return fetch_into_store(
        source,
        store,
        fetch_targets(source, store, tickers, settings.tickers, with_universe=with_universe),
        start or settings.data.history_start,
        now=now,
        today=new_york_day(now),
        overlap_sessions=settings.fetch.overlap_sessions,
        full=full,
        limits=settings.fetch,
        chunk_size=settings.fetch.batch_size,
        progress=progress,
    )


def refresh_universe(
    settings: Settings, spec: SourceSpec, day: date, now: datetime, floor_usd: float | None = None
) -> UniverseRun:
    """`rotation universe`: screen by market cap and store a dated snapshot (yfinance or demo)."""
    screener = make_screener(spec, settings, now=now, yfinance_cache=Layout.of(settings).yfinance_cache)
    day = screener.snapshot_day(day)
    screen = screen_from_settings(settings.smallcap, min_dollar_volume_usd=floor_usd)
    return universe.refresh_universe(
        partial(screener.rows, day=day), screen, price_store(settings, spec), day
    )


def seed_demo_universe(settings: Settings, fridays: Sequence[date]) -> list[str]:
    """A snapshot of the demo's universe for every issue week (``data.universe.seed_snapshots``)."""
    screen = screen_from_settings(settings.smallcap)
    return universe.seed_snapshots(
        make_screener(DEMO, settings).rows, screen, price_store(settings, DEMO), fridays
    )


def load_prices(settings: Settings, spec: SourceSpec, today: date | None = None) -> PriceHistory:
    """Wide price frames of the configured universe from the store of ``spec``; a store with bars
    after ``today`` (the run's date; None: not checked) is refused.
    """
    prices = price_store(settings, spec).load_history(settings.tickers, names=settings.names)
    if today is not None:
        refuse_future_bars(prices.close, today, str(spec))
    return prices


def signals_report(settings: Settings, spec: SourceSpec, as_of: date | None, today: date) -> SignalReport:
    """`rotation signals`: every signal as of ``as_of`` (default: the last stored session)."""
    prices = load_prices(settings, spec, today)
    return compute_signals(prices, settings, as_of or prices.last_day)


def draft_inputs(settings: Settings, spec: SourceSpec, today: date | None = None) -> DraftInputs:
    """Everything drafting reads once per run: prices, universe, published issues, templates."""
    published = ledger.published_issues(Layout.of(settings).posts, settings.tickers)
    stocks = load_universe(price_store(settings, spec))
    return DraftInputs(load_prices(settings, spec, today), stocks, published, template_env(settings))


def draft_issue(
    settings: Settings, inputs: DraftInputs, as_of: date, *, source: SourceSpec, force: bool = False,
    auto_published: bool = False, chart_jobs: list[ChartJob] | None = None, charts: bool = True,
) -> DraftResult:
    """The draft post of the week ending ``as_of`` (``issue.compose``), its charts drawn (only
    planned and added to ``chart_jobs`` when given: a backfill draws them in one batch).
    """
    layout = Layout.of(settings)
    options = {"auto_published": auto_published, "charts": charts}
    composed = compose_issue(settings, layout, inputs, as_of, source=source, **options)
    if chart_jobs is not None:
        chart_jobs.extend(composed.jobs)
    written = 0 if chart_jobs is not None else draw_issue_charts(settings, layout, composed.jobs).written
    text, slug = composed.text, composed.issue.slug
    outcome = drafts.write_draft(layout.posts, as_of, slug, text, backups=layout.backups, force=force)
    return DraftResult(as_of, outcome, written, composed.report, composed.letter)


@holds_workspace("draft")
def draft_week(
    settings: Settings, as_of: date | None = None, *, force: bool = False, today: date | None = None
) -> DraftResult:
    """`rotation draft`: the issue of the week ending on the Friday on or before ``as_of``;
    a store with bars after ``today`` (None: not checked) is refused.
    """
    spec = settings.data.source
    inputs = draft_inputs(settings, spec, today)
    week = issue_weeks.week_to_draft(inputs.prices, as_of)
    return draft_issue(settings, inputs, week, source=spec, force=force)


@holds_workspace("backfill")
def backfill(
    settings: Settings, first: date, last: date, *, force: bool = False, today: date | None = None
) -> BackfillResult:
    """`rotation backfill`: one draft per Friday from ``first`` to ``last``, each as of its Friday
    (``issue.weeks.backfill_fridays`` checks the range first); published weeks are left alone.
    The charts are drawn in one cached, parallel batch while the weeks are drafted.
    """
    issue_weeks.range_fridays(first, last)  # a range with no Friday is refused before anything is read
    spec = settings.data.source
    layout = Layout.of(settings)
    inputs = draft_inputs(settings, spec, today)
    fridays = issue_weeks.backfill_fridays(first, last, inputs.prices)
    drafted: list[DraftResult] = []
    kept = issue_weeks.published_weeks(fridays, (i.as_of for i in inputs.published))
    with chart_drawer(settings, layout) as drawer:
        for friday in (f for f in fridays if f not in kept):
            jobs: list[ChartJob] = []
            drafted.append(draft_issue(settings, inputs, friday, source=spec, force=force, chart_jobs=jobs))
            drawer.submit(live_jobs(layout, jobs))
        stats = drawer.finish()
    return BackfillResult(drafted, kept, stats)


@holds_workspace("publish")
def publish_issue(settings: Settings, ref: str, now: datetime, *, allow_placeholders: bool = False) -> Path:
    """`rotation publish`: check one post (``site.publish.publish_post``) and mark it published."""
    return publish_post(Layout.of(settings).posts, ref, now, settings, allow_placeholders=allow_placeholders)


@holds_workspace("build")
def build_site(
    settings: Settings, *, site_dir: Path | None = None, full: bool = False, today: date | None = None
) -> BuildResult:
    """`rotation build`: rescore every call, write the generated pages and charts (only those
    whose bytes changed), run the engine unless nothing it reads changed (``site.stamp``) or ``full``.
    """
    layout = Layout.of(settings)
    target = site_dir or layout.site
    real_target = owned_site(settings, target)  # before any work: a site folder given by mistake
    started = time.perf_counter()
    notes = sync_site_config(settings)  # mkdocs.yml's defaults from newsletter.toml
    scan = site_build.posts_to_build(layout.posts, settings.tickers)  # every published post, checked
    issues = scan.published
    load = cache(partial(load_prices, settings))  # each source's prices read once
    scores, prices = ledger.score_published(issues, load, settings.data.source, today=today)
    stats = generate_site(settings, issues, scores, prices, load)
    generated = time.perf_counter()
    skipped, log = site_build.run_mkdocs_unless_unchanged(settings, real_target, issues, full=full)
    seconds = (generated - started, time.perf_counter() - generated)
    warnings = (*(str(s) for s in scan.skipped), *ledger.ledger_problems(issues))
    counts = (len(issues), len(scores), stats.pages_written, target, stats.charts_drawn)
    return BuildResult(*counts, *seconds, skipped, warnings, settings.site.engine, log, tuple(notes))


@holds_workspace("demo")
def run_demo(
    settings: Settings, *, weeks: int, site_dir: Path | None, now: datetime,
    progress: Say = lambda _: None,
) -> BuildResult:
    """`rotation demo`: fetch the demo set, backfill and publish ``weeks`` issues, build the site."""
    layout = Layout.of(settings)
    owned_site(settings, site_dir or layout.site)  # refused before anything is fetched
    drafts.refuse_real_issues(layout.posts)
    fetch_prices(settings, DEMO, now=now)
    prices = load_prices(settings, DEMO)
    fridays = issue_weeks.last_fridays(prices.last_day, weeks)
    members = seed_demo_universe(settings, fridays)
    fetch_prices(settings, DEMO, now=now, tickers=[*settings.tickers, *members])
    inputs = DraftInputs(prices, load_universe(price_store(settings, DEMO)), [], template_env(settings))
    drafted: list[tuple[Path, date]] = []
    # Charts draw in worker processes while the next weeks are drafted, and all are done
    # before any issue is published (publishing freezes them).
    with chart_drawer(settings, layout) as drawer:
        for friday in fridays:
            post = drafts.published_post(layout.posts, friday)
            if post is not None:
                inputs.published.append(ledger.read_issue(post, settings.tickers))
                continue
            jobs: list[ChartJob] = []
            result = draft_issue(settings, inputs, friday, source=DEMO, auto_published=True, chart_jobs=jobs)
            drawer.submit(jobs)
            drafted.append((result.outcome.path, friday))
            inputs.published.append(ledger.read_issue(result.outcome.path, settings.tickers))
            progress(friday.isoformat())
        drawer.finish()
    for path, friday in drafted:
        mark_published(path, auto_published_at(friday))
    return build_site(settings, site_dir=site_dir)


def serve_site(settings: Settings, address: str, note: Say, warn: Say) -> int:
    """`rotation serve`: the engine's live preview (drafts too, ``site.build.preview``); its exit code."""
    for line in sync_site_config(settings):
        note(line)
    shown = site_build.preview(settings)
    for warning in shown.warnings:
        warn(warning)
    return site_build.run_mkdocs_serve(settings, shown, address)


def export_email(
    settings: Settings, issue: Path, out_dir: Path | None, *, now: datetime,
    embed_images: bool | None = None, draft: bool = False,
) -> EmailExport:
    """`rotation email`: <post>.html, .txt and .eml for one issue (``send.post``); a draft only with
    ``draft``; ``embed_images`` None: as ``[email] images`` says.
    """
    from generator.send import post as send_post  # loads css-inline and Markdown: only when used

    layout = Layout.of(settings)
    post = drafts.resolve_issue(layout.posts, str(issue))
    env, out = template_env(settings), out_dir or layout.email
    return send_post.export_email(env, post, out, settings, now=now, embed_images=embed_images, draft=draft)


def send_issue(
    settings: Settings, issue: str, options: SendOptions, *,
    embed_images: bool | None = None, draft: bool = False, hooks: Hooks | None = None,
) -> SendReport:
    """`rotation send`: one published issue to every recipient, once each (``send.post``); a draft
    only in a test send.
    """
    from generator.send import post as send_post

    post, env = drafts.resolve_issue(Layout.of(settings).posts, issue), template_env(settings)
    return send_post.send_post(
        env, post, settings, options, embed_images=embed_images, draft=draft, hooks=hooks
    )
