"""The pipeline, one readable function per command: sources -> store -> signals -> charts ->
drafts -> ledger -> site. Each function takes settings explicitly; the clock and the console
stay in cli.py.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from generator import __version__, sitestamp, universe
from generator.calls import CallScore, entry_problems, stop_problems, suggest_calls
from generator.charts import ChartFrame, ChartJob, DrawStats, source_line
from generator.checks import CheckThresholds, future_bars
from generator.config import Settings, validate_source_spec
from generator.drafts import (
    ChartRef,
    GroupView,
    IssueContext,
    WriteOutcome,
    issue_front_matter,
    plain_text,
    read_front_matter,
    render_issue,
    slugify,
    template_env,
    write_draft,
)
from generator.errors import ConfigError, DataError, DraftError, PublishError, SendError
from generator.fetch import FetchSummary, fetch_into_store
from generator.frozen import check_frozen_charts
from generator.fsio import atomic_write_bytes, atomic_write_text, remove_file, write_text_if_changed
from generator.guide import render_guide
from generator.issuecharts import (
    ChartPlan,
    chart_drawer,
    draw_charts_unless_frozen,
    live_jobs,
    plan_issue_charts,
)
from generator.issuedata import write_issue_signals
from generator.ledger import (
    PublishedIssue,
    check_unique_urls,
    closes_problems,
    ledger_problems,
    open_scores_as_of,
    published_issues,
    read_issue,
    scan_posts,
    score_ledger,
)
from generator.notes import issue_lines
from generator.posts import is_side_copy, main_post_of, post_date, post_url_path
from generator.prices import PriceHistory
from generator.publish import check_publishable, mark_published, mkdocs_env, resolve_issue, run_mkdocs_build
from generator.signals import SignalReport, compute_signals
from generator.siteengine import engine_of, sync_site_config
from generator.sitefolder import owned_site
from generator.sitemodel import lead_image_path
from generator.sitepages import build_site_pages
from generator.sitewrite import site_inputs, write_site
from generator.sources import PriceSource, make_source
from generator.sources.csvfolder import CsvFolderSource
from generator.store import PriceStore, source_key
from generator.stories.calls import stop_reasons, story_calls
from generator.stories.lint import count_words, parse_issue
from generator.stories.market import rotation_line
from generator.stories.model import Letter, Story
from generator.stories.select import context_for, last_week, week_letter
from generator.trackrecord import CallVsBenchmark, versus_benchmark
from generator.universe import UniverseRun, latest_universe_tickers, load_snapshots, screen_from_settings
from generator.universe_view import UniverseData, universe_view
from generator.unpublished import check_site, exclude_docs, preview_files, unpublished_files
from generator.workspace import backups_dir, holds_workspace

if TYPE_CHECKING:  # imported when used: the email modules load css-inline and Markdown
    from generator.emailexport import EmailIssue
    from generator.send.report import SendReport
    from generator.send.run import Hooks, SendOptions

Progress = Callable[[str], None]


def store_for(settings: Settings, source_spec: str) -> PriceStore:
    """The price store folder of one source (demo and real data never share files)."""
    return PriceStore(settings.store_dir / source_key(source_spec))


def fetch_prices(
    settings: Settings,
    source_spec: str,
    *,
    tickers: Sequence[str] | None = None,
    start: date | None = None,
    full: bool = False,
    with_universe: bool = False,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
) -> FetchSummary:
    """`rotation fetch`: bring the store of ``source_spec`` up to date.

    Default tickers: every file of a ``csv:`` folder, otherwise the configured universe; with
    ``with_universe`` also the stocks of the latest `rotation universe` snapshot. A ticker with
    a bar dated after ``today`` (the CLI's clock) fails, named with its file and line for CSV.
    """
    store = store_for(settings, source_spec)
    source = make_source(
        source_spec,
        seed=settings.data.demo_seed,
        root=settings.root,
        fetch=settings.fetch,
        cache_dir=settings.store_dir / "yfinance-cache",
        today=today,
    )
    return fetch_into_store(
        source,
        store,
        fetch_tickers(settings, source, store, tickers, with_universe=with_universe),
        start or settings.data.history_start,
        overlap_sessions=settings.fetch.overlap_sessions,
        full=full,
        thresholds=check_thresholds(settings),
        chunk_size=settings.fetch.batch_size,
        progress=progress,
        today=today,
    )


def fetch_targets(
    settings: Settings, source_spec: str, tickers: Sequence[str] | None, *, with_universe: bool = False
) -> list[str]:
    """The tickers `rotation fetch` will ask ``source_spec`` for (to size the progress bar)."""
    source = make_source(source_spec, seed=settings.data.demo_seed, root=settings.root, fetch=settings.fetch)
    return fetch_tickers(
        settings, source, store_for(settings, source_spec), tickers, with_universe=with_universe
    )


def fetch_tickers(
    settings: Settings,
    source: PriceSource,
    store: PriceStore,
    tickers: Sequence[str] | None,
    *,
    with_universe: bool = False,
) -> list[str]:
    """What `rotation fetch` asks the source for."""
    if tickers:
        wanted = list(tickers)
    elif isinstance(source, CsvFolderSource):
        wanted = source.available_tickers()
    else:
        wanted = list(settings.tickers)
    if with_universe:
        wanted += latest_universe_tickers(store.folder)
    return list(dict.fromkeys(wanted))


def check_thresholds(settings: Settings) -> CheckThresholds:
    """The data-check thresholds from ``[fetch]`` in newsletter.toml."""
    f = settings.fetch
    return CheckThresholds(
        stale_after_sessions=f.stale_after_sessions,
        max_gap_sessions=f.max_gap_sessions,
        bad_print_sigma=f.bad_print_sigma,
        bad_print_min_move_pct=f.bad_print_min_move_pct,
        bad_print_revert_frac=f.bad_print_revert_frac,
        flat_run_sessions=f.flat_run_sessions,
        basis_jump_pct=f.basis_jump_pct,
        basis_drift_pct=f.basis_drift_pct,
    )


def refresh_universe(
    settings: Settings,
    source_spec: str,
    day: date,
    *,
    min_dollar_volume_usd: float | None = None,
    screen_fn: Callable[..., Any] | None = None,
) -> UniverseRun:
    """`rotation universe`: screen by market cap and store a dated snapshot (yfinance or demo)."""
    store = store_for(settings, source_spec)
    screen = screen_from_settings(settings.smallcap, min_dollar_volume_usd=min_dollar_volume_usd)
    if source_spec == "demo":
        from generator.sources.demo import DEMO_LAST_DAY, DemoSource

        demo = DemoSource(seed=settings.data.demo_seed)
        day = min(day, DEMO_LAST_DAY)
        return universe.refresh_universe(lambda _: demo.universe(day), screen, store, day)
    if source_spec == "yfinance":
        import yfinance as yf

        from generator.sources.yahoo_screener import yahoo_universe

        cache = settings.store_dir / "yfinance-cache"
        cache.mkdir(parents=True, exist_ok=True)
        yf.set_tz_cache_location(str(cache))
        return universe.refresh_universe(
            lambda s: yahoo_universe(
                s,
                screen_fn=screen_fn,
                backoff_s=settings.fetch.rate_limit_backoff_s,
                pause_s=settings.fetch.pause_between_batches_s,
            ),
            screen,
            store,
            day,
        )
    raise ConfigError(
        f"{source_spec} has no market caps; `rotation universe` needs --source yfinance or demo"
    )


def refuse_future_bars(prices: PriceHistory, today: date, source_spec: str) -> None:
    """DataError when the store holds a bar dated after ``today`` (fetched by an older version, or
    copied in): drafting from it would write an issue dated in the future.
    """
    found = future_bars(prices.close, today)
    if found:
        listed = ", ".join(f"{t} ({d.isoformat()})" for t, d in sorted(found.items()))
        raise DataError(
            f"the price store of {source_spec} holds bars dated after today ({today.isoformat()}): {listed}; "
            f"fix the dates at the source, then run `rotation fetch --source {source_spec} --full "
            f"--tickers {','.join(sorted(found))}`"
        )


def load_prices(settings: Settings, source_spec: str) -> PriceHistory:
    """Wide price frames of the configured universe from the store of ``source_spec``."""
    history = store_for(settings, source_spec).load_history(settings.tickers)
    return PriceHistory(**{**history.__dict__, "names": {t: settings.name_of(t) for t in settings.tickers}})


def posts_dir(settings: Settings) -> Path:
    """Where the blog posts live."""
    return settings.content_dir / "issues" / "posts"


def charts_dir(settings: Settings, as_of: date) -> Path:
    """Where one issue's chart images live."""
    return settings.content_dir / "assets" / "charts" / as_of.isoformat()


def issue_fridays(first: date, last: date) -> list[date]:
    """Every Friday from ``first`` to ``last`` inclusive."""
    return [d.date() for d in pd.date_range(first, last, freq="W-FRI")]


def last_friday(day: date) -> date:
    """The Friday on or before ``day``."""
    return day - timedelta(days=(day.weekday() - 4) % 7)


def first_friday(day: date) -> date:
    """The Friday on or after ``day``."""
    return day + timedelta(days=(4 - day.weekday()) % 7)


def before_the_data(friday: date, prices: PriceHistory) -> bool:
    """Draft's rule: a week ending before the first stored price cannot be drafted."""
    return friday < prices.first_day


def not_in_the_store(friday: date, prices: PriceHistory) -> bool:
    """Draft's rule: a week is complete once the store holds its Friday's close, or Thursday's
    (a holiday Friday is read at Thursday's close).
    """
    return (friday - prices.last_day).days > 1


def _weeks(fridays: Sequence[date]) -> str:
    """``the week ending X is`` / ``the weeks ending X to Y are``."""
    if len(fridays) == 1:
        return f"the week ending {fridays[0]} is"
    return f"the weeks ending {fridays[0]} to {fridays[-1]} are"


def range_fridays(first: date, last: date) -> list[date]:
    """The Fridays from ``first`` to ``last``; ConfigError naming the range when there is none."""
    fridays = issue_fridays(first, last)
    if not fridays:
        before = last_friday(first)
        raise ConfigError(
            f"--from {first} --to {last} holds no Friday (issues are dated Fridays: the nearest are "
            f"{before} and {before + timedelta(weeks=1)})"
        )
    return fridays


def backfill_fridays(first: date, last: date, prices: PriceHistory) -> list[date]:
    """The Fridays from ``first`` to ``last``, each a week `rotation draft` would draft, or one
    error for the whole range (so nothing is drafted): no Friday in it, weeks before the first
    stored price, weeks the store does not hold yet.
    """
    fridays = range_fridays(first, last)
    early = [d for d in fridays if before_the_data(d, prices)]
    if early:
        raise DataError(
            f"--from {first}: {_weeks(early)} before the first stored price ({prices.first_day}); "
            f"give --from {first_friday(prices.first_day)} or later"
        )
    late = [d for d in fridays if not_in_the_store(d, prices)]
    if late:
        raise DataError(
            f"--to {last}: {_weeks(late)} not complete in the store (the last stored price is "
            f"{prices.last_day}); run `rotation fetch`, or give --to "
            f"{last_friday(prices.last_day + timedelta(days=1))} or earlier"
        )
    return fridays


@dataclass(frozen=True)
class DraftResult:
    """What `rotation draft` did for one week."""

    as_of: date
    outcome: WriteOutcome
    charts_written: int
    report: SignalReport
    letter: Letter | None = None


def draft_issue(
    settings: Settings,
    prices: PriceHistory,
    as_of: date,
    *,
    source_spec: str,
    force: bool = False,
    auto_published: bool = False,
    published: Sequence[PublishedIssue] = (),
    chart_jobs: list[ChartJob] | None = None,
    universe: UniverseData | None = None,
    env: jinja2.Environment | None = None,
    previous_reports: Sequence[SignalReport] = (),
    charts: bool = True,
) -> DraftResult:
    """Signals, charts and the draft post for the week ending ``as_of``.

    With ``chart_jobs`` the charts are only planned and appended there, so a backfill draws
    every week's charts in one parallel batch (``draw_issue_charts``) instead of one by one.
    ``charts=False`` plans and draws none (the letter lint drafts hundreds of weeks).
    The story selection recomputes last week's stories from the signals of the week before
    (``generator.stories.select``); ``previous_reports`` passes that report when the caller
    already has it (a backfill), so it is not computed twice.
    """
    if as_of < prices.first_day:
        raise DataError(f"--as-of {as_of} is before the first price ({prices.first_day})")
    history = prices.as_of(as_of)
    report = compute_signals(history, settings, as_of)
    before = as_of - timedelta(weeks=1)
    known = {r.as_of: r for r in previous_reports}
    week_before = known[before] if before in known else _report_of(settings, prices, before)
    letter = week_letter(report, settings, last_week(week_before, settings))
    earlier = [i for i in published if i.as_of < as_of]
    open_calls = open_scores_as_of(list(earlier), history, as_of)
    env = env or template_env(settings)
    frame = ChartFrame(settings.site.title, as_of, source_line(history.source_label, history.synthetic))
    chart_refs, jobs = (
        plan_charts(settings, history, report, as_of, frame, open_calls, universe, letter)
        if charts
        else ({}, [])
    )
    lead = report.headlines[0] if report.headlines else None
    title = plain_text(letter.title)
    slug = f"{as_of.isoformat()}-{slugify(title)}"
    told = letter.told
    issue = IssueContext(
        title=title,
        slug=slug,
        as_of=as_of,
        # The theme prints these front-matter fields unescaped: no '<' or '>' from names or labels.
        description=plain_text(
            told[0].sentences[0] if told else QUIET_WEEK
        ),
        categories=[plain_text(c) for c in story_categories(told, settings)],
        tags=sorted({t for story in told for t in story.tickers}),
        report=report,
        lead=lead,
        headlines=report.headlines,
        charts=chart_refs,
        new_calls=[],
        open_calls=open_calls,
        sections=list(settings.issue.sections),
        site_title=settings.site.title,
        synthetic=history.synthetic,
        source_label=history.source_label,
        auto_published=auto_published,
        names={t: settings.name_of(t) for t in settings.tickers},
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

    def told_by(kept: Letter) -> IssueContext:
        """The issue telling ``kept``: its calls follow its stories."""
        calls = suggest_calls(
            story_calls(kept, report, settings.issue.default_horizon_weeks),
            max_calls=settings.issue.max_new_calls,
            open_positions=[s.call.position for s in open_calls],
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

    # Render before drawing or writing anything: a template error leaves no half-made issue.
    issue, text = render_within_budget(env, told_by, letter, source_spec, settings.issue.max_prose_words)
    jobs = _without_dropped(jobs, chart_refs, letter, issue.letter)
    written = 0
    if chart_jobs is not None:
        chart_jobs.extend(jobs)
    else:
        written = draw_issue_charts(settings, jobs).written
    outcome = write_draft(posts_dir(settings), as_of, slug, text, backups=backups_dir(settings), force=force)
    return DraftResult(as_of, outcome, written, report, issue.letter)


QUIET_WEEK = "A quiet week: no base, breakout or turn in a ratio stood out; the dashboard has every number."


def _report_of(settings: Settings, prices: PriceHistory, day: date) -> SignalReport | None:
    """The signals of the week ending ``day`` (None before the data's first week)."""
    if day < prices.first_day:
        return None
    try:
        return compute_signals(prices.as_of(day), settings, day)
    except DataError:
        return None


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


def render_within_budget(
    env: jinja2.Environment,
    told_by: Callable[[Letter], IssueContext],
    letter: Letter,
    source_spec: str,
    max_words: int,
) -> tuple[IssueContext, str]:
    """Render the issue telling ``letter``; while its prose is over ``max_words``, leave out the
    last supporting story in the house order (size stays, correlation goes first).

    Prose is counted as the letter lint counts it (``generator.stories.lint``): everything but
    tables, figures, comments and the editor's boxes.
    """
    while True:
        issue = told_by(letter)
        meta = issue_front_matter(issue, __version__)
        meta["rotation"]["source_spec"] = source_spec
        text = render_issue(env, issue, meta)
        if not letter.stories or count_words(parse_issue(text)) <= max_words:
            return issue, text
        letter = replace(letter, stories=letter.stories[:-1])


def _without_dropped(
    jobs: list[ChartJob], refs: dict[str, ChartRef], planned: Letter, kept: Letter | None
) -> list[ChartJob]:
    """The jobs, less the charts of stories the prose budget left out."""
    shown = {s.key for s in kept.told} if kept else set()
    gone = {
        name
        for story in planned.told
        if story.key not in shown and f"story:{story.key}" in refs
        for ref in [refs[f"story:{story.key}"]]
        for name in (Path(ref.path).name, Path(ref.dark_path or ref.path).name)
    }
    return [j for j in jobs if j.path.name not in gone]


def seed_demo_universe(settings: Settings, fridays: Sequence[date]) -> list[str]:
    """A dated snapshot of the demo's small-cap universe for every issue week; their tickers.

    A backfill then reads, each week, the universe as it stood that week (no survivorship).
    """
    from generator.sources.demo import DemoSource

    store = store_for(settings, "demo")
    screen = screen_from_settings(settings.smallcap)
    demo = DemoSource(seed=settings.data.demo_seed)
    members: set[str] = set()
    with store.lock():
        for friday in fridays:
            rows = universe.apply_screen(demo.universe(friday), screen).rows
            universe.save_snapshot(store.folder, friday, rows)
            members.update(rows["ticker"].astype(str))
    return sorted(members)


def plan_charts(
    settings: Settings,
    history: PriceHistory,
    report: SignalReport,
    as_of: date,
    frame: ChartFrame,
    open_calls: Sequence[CallScore] = (),
    universe: UniverseData | None = None,
    letter: Letter | None = None,
) -> tuple[dict[str, ChartRef], list[ChartJob]]:
    """The issue's chart refs and the jobs that draw them into content/assets/charts/<as_of>/."""
    plan = ChartPlan(
        charts_dir(settings, as_of),
        posts_dir(settings),
        frame,
        settings.charts.dark_variants,
        settings.charts.narrow_variants,
    )
    return plan_issue_charts(plan, settings, history, report, open_calls, universe, letter)


@dataclass(frozen=True)
class Workspace:
    """What drafting reads once per run: prices, universe, published issues, templates."""

    prices: PriceHistory
    universe: UniverseData | None
    published: list[PublishedIssue]
    env: jinja2.Environment


def open_workspace(settings: Settings, source_spec: str) -> Workspace:
    """Load everything drafting needs from the store and the content folder."""
    return Workspace(
        prices=load_prices(settings, source_spec),
        universe=load_universe(settings, source_spec),
        published=published_issues(posts_dir(settings), settings.tickers),
        env=template_env(settings),
    )


@holds_workspace("draft")
def draft_week(
    settings: Settings, as_of: date | None = None, *, force: bool = False, today: date | None = None
) -> DraftResult:
    """`rotation draft`: the issue of the week ending on the Friday on or before ``as_of``.

    ``today`` (the CLI's clock) refuses a store holding bars after it; None does not check.
    """
    spec = settings.data.source
    ws = open_workspace(settings, spec)
    if today is not None:
        refuse_future_bars(ws.prices, today, spec)
    day = last_friday(as_of or ws.prices.last_day)
    asked = f"--as-of {as_of}: the week ending {day}" if as_of and as_of != day else f"the week ending {day}"
    if before_the_data(day, ws.prices):
        raise DataError(f"{asked} is before the first stored price ({ws.prices.first_day})")
    if not_in_the_store(day, ws.prices):
        raise DataError(
            f"{asked} is not complete in the store (the last stored price is {ws.prices.last_day}); "
            "run `rotation fetch`, or give an earlier --as-of"
        )
    return draft_issue(
        settings,
        ws.prices,
        day,
        source_spec=spec,
        force=force,
        published=ws.published,
        universe=ws.universe,
        env=ws.env,
    )


@dataclass(frozen=True)
class BackfillResult:
    """What `rotation backfill` did: one outcome per drafted week, the weeks left alone, charts."""

    drafted: list[DraftResult]
    published_weeks: list[date]
    charts: DrawStats


@holds_workspace("backfill")
def backfill(
    settings: Settings, first: date, last: date, *, force: bool = False, today: date | None = None
) -> BackfillResult:
    """`rotation backfill`: one draft per Friday from ``first`` to ``last``, each as of its Friday.

    Every week must pass draft's rules (``backfill_fridays``), checked for the whole range
    before anything is drafted. Every week's charts are planned while drafting and drawn at
    the end in one cached, parallel batch; published weeks are left as they are.
    """
    if first > last:
        raise ConfigError("--from must be on or before --to")
    range_fridays(first, last)  # a range with no Friday is refused before anything is read
    spec = settings.data.source
    ws = open_workspace(settings, spec)
    if today is not None:
        refuse_future_bars(ws.prices, today, spec)
    fridays = backfill_fridays(first, last, ws.prices)
    drafted: list[DraftResult] = []
    kept: list[date] = []
    with chart_drawer(settings) as drawer:
        for friday in fridays:
            if any(i.as_of == friday for i in ws.published):
                kept.append(friday)
                continue
            jobs: list[ChartJob] = []
            drafted.append(
                draft_issue(
                    settings,
                    ws.prices,
                    friday,
                    source_spec=spec,
                    force=force,
                    published=ws.published,
                    chart_jobs=jobs,
                    universe=ws.universe,
                    env=ws.env,
                    # The signals of the week before, computed for its draft: the same report
                    # draft_issue would compute (pure), without computing it twice.
                    previous_reports=[d.report for d in drafted[-1:]],
                )
            )
            drawer.submit(live_jobs(settings, jobs, posts_dir(settings)))
        stats = drawer.finish()
    return BackfillResult(drafted, kept, stats)


def load_universe(settings: Settings, source_spec: str) -> UniverseData | None:
    """Every stored universe snapshot of ``source_spec`` and its members' stored prices."""
    store = store_for(settings, source_spec)
    snapshots = load_snapshots(store.folder)
    if snapshots.empty:
        return None
    members = sorted(set(snapshots["ticker"].dropna().astype(str)))
    held = set(store.read_manifest().get("tickers", {}))
    stored = [t for t in members if t in held]
    prices = store.load_history(stored) if stored else None
    return UniverseData(snapshots, prices)


def draw_issue_charts(settings: Settings, jobs: Sequence[ChartJob]) -> DrawStats:
    """Draw ``jobs`` through the chart cache; a published issue's charts are never redrawn."""
    return draw_charts_unless_frozen(settings, jobs, posts_dir(settings))


@holds_workspace("publish")
def publish_issue(settings: Settings, ref: str, now: datetime, *, allow_placeholders: bool = False) -> Path:
    """`rotation publish`: check one post (placeholders, calls) and mark it published."""
    path = resolve_issue(posts_dir(settings), ref)
    if is_side_copy(path):
        main = main_post_of(path)
        raise PublishError(
            f"{path.name} is the new draft `rotation draft` wrote beside {main.name}, not a post of its "
            f"own: keep what you want of both in one file, move it onto the post (`mv {path} {main}`), "
            f"then publish {main.name}"
        )
    issue = read_issue(path, settings.tickers)  # every call well formed, or DraftError naming it
    lead_image_path(issue, settings.content_dir)  # an image outside the content folder is refused
    check_publishable(path, allow_placeholders=allow_placeholders)  # the editor's part first
    if issue.as_of > now.date():
        raise PublishError(
            f"{path.name} is dated {issue.as_of}, after today ({now.date()}); an issue is published "
            "after its week has closed (check rotation.as_of, or the prices it was drafted from)"
        )
    require_source(issue, settings)
    published = published_issues(posts_dir(settings), settings.tickers)
    earlier = {c.id: i.path.name for i in published if i.path != path for c in i.calls}
    reused = [f"{c.id} (already in {earlier[c.id]})" for c in issue.calls if c.id in earlier]
    if reused:
        raise PublishError(f"{path.name}: call id {', '.join(reused)}; give each call a new id")
    same_page = [i for i in published if i.path != path and i.url.lower() == issue.url.lower()]
    if same_page:
        raise PublishError(
            f"{path.name}: its page would be {issue.url}, the page of the published {same_page[0].path.name} "
            "(the same slug in the same month); give it another slug"
        )
    problems = closes_problems(issue, [i for i in published if i.path != path])
    problems += call_problems(settings, issue)
    if problems:
        raise PublishError(f"{path.name}: " + "; ".join(problems))
    mark_published(path, now, allow_placeholders=allow_placeholders)
    return path


def call_problems(settings: Settings, issue: PublishedIssue) -> list[str]:
    """Each call's stop and entry checked (``calls.stop_problems``, ``calls.entry_problems``)
    against the quoted closes of the issue's as-of day in the store of the post's source (the
    caller names the post).

    Prices the check needs but the store lacks are an error naming what to fetch: publishing
    unchecked is what let an entry typo be scored as a split.
    """
    if not issue.calls:
        return []
    where = issue.path.name  # its source_spec is known (require_source)
    legs = list(dict.fromkeys(t for c in issue.calls for t in (c.ticker, c.benchmark) if t))
    closes = stored_closes(store_for(settings, issue.source), legs, issue.as_of)
    missing = [t for t in legs if t not in closes]
    if missing:
        raise PublishError(
            f"{where}: no stored close of {', '.join(missing)} on or before {issue.as_of} to check "
            f"the calls' entries against; run `rotation fetch --source {issue.source} "
            f"--tickers {','.join(missing)}`"
        )
    tolerance = settings.issue.entry_tolerance_pct
    return [
        f"call {call.id}: {problem}"
        for call in issue.calls
        for problem in [
            *entry_problems(call, closes, tolerance_pct=tolerance, source=issue.source),
            *stop_problems(call),
        ]
    ]


def stored_closes(store: PriceStore, tickers: Sequence[str], day: date) -> dict[str, tuple[date, float]]:
    """Ticker -> (session, quoted close) of its last stored close on or before ``day``; tickers the
    store does not hold, or holds only later, are left out.
    """
    held = [t for t in tickers if t in store.read_manifest().get("tickers", {})]
    if not held:
        return {}
    close = store.load_history(held).close
    found: dict[str, tuple[date, float]] = {}
    for ticker in held:
        series = close[ticker].loc[: pd.Timestamp(day)].dropna()
        if len(series):
            found[ticker] = (pd.Timestamp(series.index[-1]).date(), float(series.iloc[-1]))
    return found


@dataclass(frozen=True)
class BuildResult:
    """What `rotation build` did."""

    issues: int
    calls: int
    pages_written: int
    site_dir: Path
    charts_drawn: int = 0
    seconds_generate: float = 0.0
    seconds_mkdocs: float = 0.0
    mkdocs_skipped: bool = False
    warnings: tuple[str, ...] = ()  # drafts left out because they do not parse, bad closes ignored
    engine: str = "material"  # [site] engine
    engine_log: str = ""  # what the engine printed (`-v` shows it); empty when it was skipped
    notes: tuple[str, ...] = ()  # mkdocs.yml updated from newsletter.toml


def score_published(
    settings: Settings, issues: Sequence[PublishedIssue], *, today: date | None = None
) -> tuple[list[CallScore], PriceHistory | None]:
    """Score every call with the prices of the source its issue was drafted from.

    Returns the scores and the prices of the newest issue's source (for the ticker pages);
    no prices when nothing is published. A store holding bars after ``today`` (the CLI's
    clock; None: not checked) is refused: calls would be scored on days that have not come.
    """
    for issue in issues:
        require_source(issue, settings)
    scores: list[CallScore] = []
    latest: PriceHistory | None = None
    newest_spec = issues[-1].source if issues else None
    for spec in sorted({i.source for i in issues}):
        group = [i for i in issues if i.source == spec]
        if not any(i.calls for i in group) and spec != newest_spec:
            continue
        prices = load_prices(settings, spec)
        if today is not None:
            refuse_future_bars(prices, today, spec)
        if spec == newest_spec:
            latest = prices
        scores.extend(score_ledger(group, prices, prices.last_day))
    return scores, latest


@holds_workspace("build")
def build_site(
    settings: Settings, *, site_dir: Path | None = None, full: bool = False, today: date | None = None
) -> BuildResult:
    """`rotation build`: rescore every call, write the generated pages and charts, run MkDocs.

    Pages and charts whose bytes did not change are not rewritten, and charts whose inputs
    did not change are not redrawn, so MkDocs and git see only real changes. MkDocs itself is
    skipped when nothing it reads changed since the last build into the same site folder
    (``generator.sitestamp``), unless ``full``.
    """
    target = site_dir or settings.site_dir
    real_target = owned_site(settings, target)  # before any work: a site folder given by mistake
    started = time.perf_counter()
    notes = sync_site_config(settings)
    scan = scan_posts(posts_dir(settings), settings.tickers)
    issues = scan.published
    check_unique_urls(issues)
    check_frozen_charts(issues)
    synthetic = any(i.synthetic for i in issues)
    scores, prices = score_published(settings, issues, today=today)
    through = prices.last_day if prices is not None else None
    report = compute_signals(prices, settings, prices.last_day) if prices is not None else None
    load = functools.cache(functools.partial(load_prices, settings))
    versus = compare_calls(settings, issues, scores, load)
    inputs = site_inputs(
        settings, issues, scores, prices=prices, report=report, through=through, versus=versus
    )
    pages = build_site_pages(template_env(settings), inputs)
    signals_files, signals_written = write_issue_signals(
        settings.content_dir, issues, lambda issue: compute_signals(load(issue.source), settings, issue.as_of)
    )
    stats = write_site(
        settings.content_dir,
        pages,
        cache_dir=settings.cache_dir / "site-charts",
        workers=settings.charts.workers or os.cpu_count() or 1,
        kept=signals_files,
    )
    guide_written = write_guide(template_env(settings), settings)
    generated = time.perf_counter()
    hidden = unpublished_files(settings.content_dir, posts_dir(settings), issues)
    if not settings.site.public_guide:
        hidden = [*hidden, GUIDE_PAGE]
    skipped, log = run_mkdocs_unless_unchanged(
        settings, real_target, synthetic=synthetic, full=full, hidden=hidden
    )
    return BuildResult(
        len(issues),
        len(scores),
        stats.pages_written + len(guide_written) + signals_written,
        target,
        stats.charts_drawn,
        generated - started,
        time.perf_counter() - generated,
        skipped,
        (*(str(s) for s in scan.skipped), *ledger_problems(issues)),
        settings.site.engine,
        log,
        tuple(notes),
    )


def run_mkdocs_unless_unchanged(
    settings: Settings, site_dir: Path, *, synthetic: bool, full: bool, hidden: Sequence[str] = ()
) -> tuple[bool, str]:
    """Run the site engine into ``site_dir`` unless its stamp says nothing changed.

    Returns (skipped, the engine's output).

    ``hidden``: content files MkDocs must leave out (``generator.unpublished``), checked
    absent from the built site. The stamp is written only after MkDocs succeeded, so a
    failed build is never skipped.
    """
    sitestamp.sweep_stamp_temps(site_dir)  # a killed stamp write; the stamp itself is then stale
    excluded = exclude_docs(hidden)
    env = mkdocs_env(settings, synthetic=synthetic, exclude_docs=excluded)
    inputs = sitestamp.current_inputs(settings.content_dir, settings.mkdocs_yml, site_dir, env)
    if not full and sitestamp.is_fresh(
        sitestamp.read_stamp(site_dir), inputs, sitestamp.current_site(site_dir)
    ):
        return True, ""
    log = run_mkdocs_build(
        settings,
        site_dir,
        synthetic=synthetic,
        exclude_docs=excluded,
        check=lambda out: check_site(out, hidden),
    )
    sitestamp.write_stamp(site_dir, inputs)
    return False, log or ""


def require_source(issue: PublishedIssue, settings: Settings) -> None:
    """DraftError naming a published post whose ``rotation: source_spec`` is missing or unknown:
    its calls are scored with the prices of that source.
    """
    if not issue.source:
        raise DraftError(
            f"{issue.path.name}: rotation: source_spec is missing, so its calls cannot be scored; "
            f"add the price source the issue was drafted from under `rotation:`, e.g. "
            f"`source_spec: {settings.data.source}` (newsletter.toml's [data] source)"
        )
    try:
        validate_source_spec(issue.source)
    except ValueError as exc:
        raise DraftError(f"{issue.path.name}: rotation: source_spec: {exc}") from None


@dataclass(frozen=True)
class Preview:
    """What `rotation serve` passes MkDocs, and the drafts it left out."""

    synthetic: bool
    exclude_docs: str
    warnings: list[str]
    notes: list[str]  # mkdocs.yml updated from newsletter.toml


def preview_site(settings: Settings) -> Preview:
    """`rotation serve`: drafts are previewed, except those that do not parse and the copies
    beside a post (they would take the post's URL).
    """
    notes = sync_site_config(settings)
    scan = scan_posts(posts_dir(settings), settings.tickers)
    hidden = preview_files(settings.content_dir, posts_dir(settings), [s.path for s in scan.skipped])
    warnings = [str(s) for s in scan.skipped]
    if hidden and not engine_of(settings).honours_exclude_docs:
        shown = ", ".join(hidden[:3]) + (", ..." if len(hidden) > 3 else "")
        warnings.append(
            f"Zensical previews every file of {settings.content_dir.name}/ (it ignores exclude_docs), "
            f"so the preview also reads {shown}; `rotation build` leaves them out"
        )
    return Preview(any(i.synthetic for i in scan.published), exclude_docs(hidden), warnings, notes)


@holds_workspace("demo")
def run_demo(
    settings: Settings, *, weeks: int, site_dir: Path | None, progress: Progress | None = None
) -> BuildResult:
    """`rotation demo`: fetch the demo set, backfill and publish ``weeks`` issues, build the site."""
    owned_site(settings, site_dir or settings.site_dir)  # refused before anything is fetched
    _refuse_real_content(settings)
    fetch_prices(settings, "demo")
    prices = load_prices(settings, "demo")
    fridays = issue_fridays(prices.last_day - timedelta(weeks=weeks) + timedelta(days=1), prices.last_day)
    fridays = [d for d in fridays if d <= prices.last_day][-weeks:]
    members = seed_demo_universe(settings, fridays)
    fetch_prices(settings, "demo", tickers=[*settings.tickers, *members])
    stocks = load_universe(settings, "demo")
    published: list[PublishedIssue] = []
    env = template_env(settings)  # compiled once: templates are parsed on first use
    drafted: list[tuple[Path, date]] = []
    reports: list[SignalReport] = []
    # Charts draw in worker processes while the next weeks are drafted, and all are done
    # before any issue is published (publishing freezes them).
    with chart_drawer(settings) as drawer:
        for friday in fridays:
            existing = sorted(posts_dir(settings).glob(f"{friday.isoformat()}-*.md"))
            if existing and read_front_matter(existing[0])[0].get("draft") is False:
                published.append(read_issue(existing[0], settings.tickers))
                continue
            jobs: list[ChartJob] = []
            result = draft_issue(
                settings,
                prices,
                friday,
                source_spec="demo",
                auto_published=True,
                published=published,
                chart_jobs=jobs,
                universe=stocks,
                env=env,
                previous_reports=reports[-1:],
            )
            reports.append(result.report)
            drawer.submit(jobs)
            drafted.append((result.outcome.path, friday))
            published.append(read_issue(result.outcome.path, settings.tickers))
            if progress is not None:
                progress(friday.isoformat())
        drawer.finish()
    for path, friday in drafted:
        mark_published(path, datetime.combine(friday, datetime.min.time()).replace(hour=18))
    return build_site(settings, site_dir=site_dir)


CHART_KEYS = ["story:<story key>", "rrg_<group key>", "call_<call id>"]


# Content-relative; left out of the public site unless [site] public_guide.
GUIDE_PAGE = "editors/templates.md"
OLD_GUIDE_PAGE = "guide/templates.md"  # where versions before 0.2 wrote it


def write_guide(env: jinja2.Environment, settings: Settings) -> list[Path]:
    """The editor's guide page, regenerated from the template context's schema (the copy an
    older version wrote under guide/ is removed: it would be published).
    """
    path = settings.content_dir / GUIDE_PAGE
    old = settings.content_dir / OLD_GUIDE_PAGE
    if old.is_file():
        remove_file(old)
    text = render_guide(env, list(settings.issue.sections), CHART_KEYS)
    return [path] if write_text_if_changed(path, text) else []


def compare_calls(
    settings: Settings,
    issues: Sequence[PublishedIssue],
    scores: Sequence[CallScore],
    load: Callable[[str], PriceHistory],
) -> dict[str, CallVsBenchmark]:
    """Each call against its benchmark and base rate (generator.trackrecord), with the prices
    of the source its issue was drafted from.
    """
    source_of = {c.id: i.source for i in issues for c in i.calls}
    return {
        score.call.id: versus_benchmark(score, load(source_of[score.call.id]).adj_close, settings.benchmark)
        for score in scores
        if score.call.id in source_of
    }


def _refuse_real_content(settings: Settings) -> None:
    """The demo never mixes synthetic issues into a workspace that holds real ones."""
    folder = posts_dir(settings)
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        try:
            meta, _ = read_front_matter(path)
        except DraftError:
            continue
        if not (meta.get("rotation") or {}).get("synthetic"):
            raise DraftError(
                f"{folder} holds real issues ({path.name}); run `rotation demo` in a separate "
                "workspace (a folder with its own newsletter.toml and mkdocs.yml)"
            )


def _render_email(settings: Settings, post: Path, *, embed_images: bool | None, draft: bool) -> EmailIssue:
    """The email of one post, as `rotation email` and `rotation send` both render it."""
    from generator.emailexport import render_email

    return render_email(
        template_env(settings),
        post,
        content_dir=settings.content_dir,
        site_url=settings.site.url,
        site_title=settings.site.title,
        site_author=settings.site.author,
        embed_images=settings.email.images == "inline" if embed_images is None else embed_images,
        draft=draft,
        unsubscribe_url=settings.email.unsubscribe_url,
    )


@dataclass(frozen=True)
class EmailExport:
    """What `rotation email` wrote, and what the reader of the files should know."""

    files: list[Path]
    warnings: list[str]


def export_email(
    settings: Settings,
    issue: Path,
    out_dir: Path,
    *,
    embed_images: bool | None = None,
    draft: bool = False,
    now: datetime | None = None,
) -> EmailExport:
    """`rotation email`: write <slug>.html, <slug>.txt and <slug>.eml for one issue into ``out_dir``.

    A draft is refused unless ``draft`` (a preview, marked as such). The ``.eml`` is the
    message `rotation send` would send, addressed to no one (``undisclosed-recipients:;``).
    """
    from generator.send.message import build_message, message_bytes, new_message_id
    from generator.send.run import GMAIL_CLIP_BYTES, sender_of

    post = resolve_issue(posts_dir(settings), str(issue))
    mail = _render_email(settings, post, embed_images=embed_images, draft=draft)
    html, text = mail.personal(None)
    sender = sender_of(settings)
    warnings = []
    if sender is None:
        warnings.append("the .eml has no From: set [email] from_address in newsletter.toml")
    message = build_message(
        mail,
        sender,
        to=None,
        date=now or datetime.now().astimezone(),
        message_id=new_message_id(sender.domain if sender else "rotation-desk.invalid"),
    )
    html_bytes = len(html.encode("utf-8"))
    if html_bytes > GMAIL_CLIP_BYTES:
        warnings.append(f"the HTML is {html_bytes / 1000:.0f} KB: Gmail clips a message past about 102 KB")
    stem = post.stem
    written = [
        atomic_write_text(out_dir / f"{stem}.html", html),
        atomic_write_text(out_dir / f"{stem}.txt", text),
        atomic_write_bytes(out_dir / f"{stem}.eml", message_bytes(message)),
    ]
    return EmailExport(written, warnings)


def send_issue(
    settings: Settings,
    issue: str,
    options: SendOptions,
    *,
    embed_images: bool | None = None,
    draft: bool = False,
    hooks: Hooks | None = None,
) -> SendReport:
    """`rotation send`: render a published issue (a draft only for a test send with ``draft``) and
    send it to the recipients, once each (``generator.send.run``).
    """
    from generator.send.run import send_rendered

    if draft and options.to is None:
        raise SendError("--draft is for a test send only (--to ADDRESS): a draft is never sent to the list")
    post = resolve_issue(posts_dir(settings), issue)
    mail = _render_email(settings, post, embed_images=embed_images, draft=draft)
    warnings = []
    if mail.url is not None and not mail.images:
        meta, _ = read_front_matter(post)
        day = post_date(meta)
        page = settings.site_dir / post_url_path(meta, day) / "index.html" if day else None
        if page is not None and not page.is_file():
            warnings.append(
                f"{settings.site_dir} has no page for {post.name} yet: the message links to {mail.url} and "
                "its images there; build and upload the site before sending"
            )
    return send_rendered(settings, post, mail, options, warnings=warnings, hooks=hooks)
