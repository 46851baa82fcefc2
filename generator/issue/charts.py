"""An issue's charts: which ones it shows (mapped from signals and calls), and drawing them.

Planning is pure: it returns the ``ChartRef`` each template links and the ``ChartJob`` that
draws it. Drawing goes through the chart cache and skips every chart of a published issue,
so what readers saw is never redrawn (DESIGN.md principle 3).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from generator.calls.scoring import CallScore
from generator.charts import (
    BaseBox,
    Breakout,
    CallPath,
    ChartCache,
    ChartDrawer,
    ChartFrame,
    ChartJob,
    DrawStats,
    RRGTail,
    build_breadth_chart,
    build_call_chart,
    build_correlation_chart,
    build_price_chart,
    build_ratio_chart,
    build_rrg_chart,
    chart_variants,
    draw_charts,
    source_line,
)
from generator.charts.theme import NARROW, WIDE
from generator.config import Settings
from generator.data.prices import PriceHistory
from generator.data.universe import UniverseData, members_as_of
from generator.paths import Layout
from generator.posts import is_side_copy, read_front_matter
from generator.signals import SignalReport
from generator.signals.breadth import pct_above_sma_series
from generator.signals.correlation import rolling_correlation
from generator.signals.frames import weekly_levels
from generator.stories.model import Letter, Story, StoryChart


@dataclass(frozen=True)
class ChartRef:
    """A chart embedded in an issue."""

    key: str  # the name templates use: m.chart(issue, "size_pair")
    path: str  # relative to the post's folder, as written in the Markdown
    alt: str  # alternative text for screen readers and email clients
    caption: str  # the line under the chart
    dark_path: str | None = None  # the dark-mode copy, shown instead in Material's slate scheme
    narrow_path: str | None = None  # the phone layout (taller, larger text), shown on narrow screens
    narrow_dark_path: str | None = None  # the phone layout's dark-mode copy
    size: tuple[int, int] = (1200, 675)  # width and height in pixels (the <img> attributes)
    narrow_size: tuple[int, int] = (720, 900)

    @classmethod
    def of(cls, key: str, job: ChartJob, relative_to: Path, alt: str, caption: str) -> ChartRef:
        """How a page in ``relative_to`` links ``job``'s files, with the images' sizes."""

        def rel(path: Path) -> str:
            return Path(os.path.relpath(path, relative_to)).as_posix()

        def variant(layout: str, theme: str) -> str | None:
            found = next((o.path for o in job.outputs if (o.layout, o.theme) == (layout, theme)), None)
            return rel(found) if found is not None else None

        return cls(
            key,
            rel(job.path),
            alt,
            caption,
            dark_path=variant("wide", "dark"),
            narrow_path=variant("narrow", "light"),
            narrow_dark_path=variant("narrow", "dark"),
            size=WIDE.size_px,
            narrow_size=NARROW.size_px,
        )


@dataclass
class ChartPlan:
    """The charts of one issue as they are planned: refs for the templates, jobs for the drawing."""

    folder: Path  # content/assets/charts/<as_of>
    posts: Path  # the folder of the posts, which link the charts relative to it
    frame: ChartFrame
    dark: bool
    narrow: bool = False
    refs: dict[str, ChartRef] = field(default_factory=dict)
    jobs: list[ChartJob] = field(default_factory=list)

    def add(
        self, key: str, file: str, alt: str, caption: str, build: Callable[..., Figure], /, **kw: Any
    ) -> None:
        """Plan ``build(**kw)`` into ``file`` (and its dark copy and phone layout), linked as ``key``."""
        job = chart_variants(
            self.folder / file, build, dark=self.dark, narrow=self.narrow, frame=self.frame, **kw
        )
        self.jobs.append(job)
        self.refs[key] = ChartRef.of(key, job, self.posts, alt, caption)


def plan_charts(
    settings: Settings,
    layout: Layout,
    history: PriceHistory,
    report: SignalReport,
    open_calls: Sequence[CallScore] = (),
    universe: UniverseData | None = None,
    letter: Letter | None = None,
) -> tuple[dict[str, ChartRef], list[ChartJob]]:
    """The charts of the issue as of ``report.as_of``: refs for its text, jobs that draw them
    into its folder (``Layout.issue_charts``), framed with the site's title and the source.
    """
    as_of = report.as_of
    frame = ChartFrame(settings.site.title, as_of, source_line(history.source_label, history.synthetic))
    plan = ChartPlan(
        layout.issue_charts(as_of),
        layout.posts,
        frame,
        settings.charts.dark_variants,
        settings.charts.narrow_variants,
    )
    return plan_issue_charts(plan, settings, history, report, open_calls, universe, letter)


def without_dropped(
    jobs: list[ChartJob], refs: dict[str, ChartRef], planned: Letter | None, kept: Letter | None
) -> list[ChartJob]:
    """The jobs, less the charts of stories the prose budget left out."""
    shown = {s.key for s in kept.told} if kept else set()
    gone = {
        name
        for story in (planned.told if planned else [])
        if story.key not in shown and f"story:{story.key}" in refs
        for ref in [refs[f"story:{story.key}"]]
        for name in (Path(ref.path).name, Path(ref.dark_path or ref.path).name)
    }
    return [j for j in jobs if j.path.name not in gone]


def plan_issue_charts(
    plan: ChartPlan,
    settings: Settings,
    history: PriceHistory,
    report: SignalReport,
    open_calls: Sequence[CallScore] = (),
    universe: UniverseData | None = None,
    letter: Letter | None = None,
) -> tuple[dict[str, ChartRef], list[ChartJob]]:
    """Every chart of an issue, by key (the editor's guide lists them):

    ``story:<story key>`` (the chart of each of the first ``[charts] max_story_charts`` stories:
    a ratio with the points the story names, a price with its base, breadth or correlation),
    ``rrg_<group>`` (each group against its
    benchmark, in the dashboard), ``call_<id>`` (the open calls that moved most).
    """
    window_days = settings.issue.chart_history_weeks * 5
    for story in (letter.told if letter is not None else [])[: settings.charts.max_story_charts]:
        if story.chart is not None:
            _story_chart(plan, settings, history, report, universe, story, window_days)
    _rrg(plan, settings, report)
    charted = sorted(
        (s for s in open_calls if s.sessions), key=lambda s: (-abs(s.result_pct or 0.0), s.call.id)
    )
    for score in charted[: settings.charts.max_call_charts]:
        plan.add(
            f"call_{score.call.id}",
            f"call-{score.call.id}.png",
            f"{score.call.position} since publication",
            f"{score.call.position} since {score.call.issue_date}, indexed to 100, with its invalidation.",
            build_call_chart,
            call=call_path(score),
        )
    return plan.refs, plan.jobs


def _story_chart(
    plan: ChartPlan,
    settings: Settings,
    history: PriceHistory,
    report: SignalReport,
    universe: UniverseData | None,
    story: Story,
    window_days: int,
) -> None:
    chart = story.chart
    assert chart is not None
    key = f"story:{story.key}"
    if chart.kind == "ratio" and len(chart.tickers) == 2:
        _ratio(plan, settings, history, key, chart, window_days)
    elif chart.kind == "price" and chart.tickers and chart.tickers[0] in report.instruments:
        _price(plan, history, report, key, chart, window_days)
    elif chart.kind == "breadth":
        _breadth(plan, settings, history, universe, window_days, key)
    elif chart.kind == "correlation" and len(chart.tickers) == 2:
        _correlation(plan, settings, history, key, chart.tickers, window_days)


def _ratio(
    plan: ChartPlan, settings: Settings, history: PriceHistory, key: str, chart: StoryChart, window_days: int
) -> None:
    """The ratio chart of a pair story; its main mark (the 200-day cross, the breakout) is marked.

    The story's other marks (a multi-year low it names) ride along in ``chart.marks`` for a
    chart builder that draws more than one.
    """
    long, short = chart.tickers
    relative = settings.signals.relative
    mark = chart.marks[0] if chart.marks else None
    plan.add(
        key,
        f"{long}-vs-{short}.png".lower(),
        f"{long} vs {short} relative strength",
        chart.caption,
        build_ratio_chart,
        long_close=history.adj_close[long],
        short_close=history.adj_close[short],
        long=long,
        short=short,
        window_days=window_days,
        fast_days=relative.sma_fast_days,
        slow_days=relative.sma_slow_days,
        high_lookback_days=relative.high_lookback_weeks * 5,
        breakout=Breakout(mark.day, mark.level, mark.label) if mark else None,
    )


def _price(
    plan: ChartPlan,
    history: PriceHistory,
    report: SignalReport,
    key: str,
    chart: StoryChart,
    window_days: int,
) -> None:
    """A fund's chart on weekly closes (the closes its story's levels come from), with its base."""
    ticker = chart.tickers[0]
    item = report.instruments[ticker]
    base = (
        BaseBox(chart.base_start, chart.base_end or report.as_of, chart.ceiling, chart.floor)
        if chart.base_start is not None and chart.ceiling is not None and chart.floor is not None
        else None
    )
    mark = chart.marks[0] if chart.marks else None
    one_close = ticker in history.one_close
    weeks = window_days // 5
    plan.add(
        key,
        f"{ticker.lower()}-price.png",
        f"{ticker} price",
        chart.caption,
        build_price_chart,
        close=weekly_levels(history.close[[ticker]], report.as_of)[ticker].dropna(),
        ticker=ticker,
        name=item.name,
        ath_level=item.ath_level,
        base=base,
        breakout=Breakout(mark.day, mark.level, mark.label) if mark else None,
        # The series is weekly: the window counts weeks.
        window_days=max(weeks, base.length_weeks + 26) if base else weeks,
        basis="Total-return closes" if one_close else "Quoted closes",
    )


def _rrg(plan: ChartPlan, settings: Settings, report: SignalReport) -> None:
    """One RRG per group with at least three points against its benchmark."""
    named = [t for h in report.headlines for t in h.tickers]  # the text's funds come first
    for key in settings.charts.rrg_groups:
        group = settings.groups.get(key)
        if group is None:
            continue
        points = [p for p in report.rrg if p.ticker in group.tickers and p.benchmark == group.benchmark]
        tails = [
            RRGTail(
                p.ticker,
                pd.DataFrame(
                    [(t.rs_ratio, t.rs_momentum) for t in p.tail],
                    columns=["rs_ratio", "rs_momentum"],
                    index=pd.DatetimeIndex([pd.Timestamp(t.day) for t in p.tail]),
                ),
            )
            for p in points
            if p.tail
        ]
        if len(tails) < 3:
            continue
        plan.add(
            f"rrg_{key}",
            f"rrg-{key.replace('_', '-')}.png",
            f"Relative rotation graph of {group.label} against {group.benchmark}",
            f"{group.label} against {group.benchmark}: the last {settings.signals.rrg.tail_weeks} weeks "
            "of RS-Ratio (across) and RS-Momentum (up).",
            build_rrg_chart,
            tails=tails,
            benchmark=group.benchmark,
            tail_weeks=settings.signals.rrg.tail_weeks,
            universe_label=group.label,
            highlight=[t for t in dict.fromkeys(named) if t in group.tickers],
        )


def _breadth(
    plan: ChartPlan,
    settings: Settings,
    history: PriceHistory,
    universe: UniverseData | None,
    window_days: int,
    key: str = "breadth",
) -> None:
    """% above the 200-day average: the stock universe when its prices are stored, else the ETFs."""
    slow = max(settings.signals.breadth.sma_days)
    members = members_as_of(universe, plan.frame.as_of) if universe is not None else []
    held = [
        t
        for t in members
        if universe is not None and universe.prices is not None and t in universe.prices.adj_close.columns
    ]
    if universe is not None and universe.prices is not None and held:
        # The members of the issue's own snapshot: a later screen must not reach back (no look-ahead).
        # Columns first, then the as-of cut: the same frame as ``prices.as_of(day).adj_close[held]``
        # without copying every member's five frames each week.
        full = universe.prices.adj_close[held]
        adj = full.loc[full.index <= pd.Timestamp(plan.frame.as_of)]
        label = "small-cap universe"
    else:
        have = set(history.tickers)
        followed = [t for g in settings.groups.values() for t in g.tickers if t in have]
        adj = history.adj_close[list(dict.fromkeys(followed))]
        label = "ETFs we follow"
    series = pct_above_sma_series(adj, slow, settings.signals.breadth.min_history_days)
    if series.dropna().empty or settings.benchmark not in history.tickers:
        return
    plan.add(
        key,
        "breadth.png",
        f"Share of the {label} above their {slow}-day averages",
        f"{settings.benchmark} (top) and the share of the {label} above their {slow}-day averages (bottom).",
        build_breadth_chart,
        pct_above=series,
        benchmark_close=history.close[settings.benchmark],
        benchmark=settings.benchmark,
        universe_label=label,
        sma_days=slow,
        window_days=window_days,
    )


def _correlation(
    plan: ChartPlan, settings: Settings, history: PriceHistory, key: str, tickers: list[str], window_days: int
) -> None:
    long, short = tickers
    corr_settings = settings.signals.correlation
    days = corr_settings.corr_days[0]
    corr = rolling_correlation(history.adj_close, long, short, days)
    if corr.dropna().empty:
        return
    plan.add(
        key,
        f"corr-{long}-{short}.png".lower(),
        f"{days}-day correlation of {long} and {short}",
        f"{days}-day correlation of daily returns of {long} and {short}, inside its 5-year range.",
        build_correlation_chart,
        corr=corr,
        long=long,
        short=short,
        corr_days=days,
        band_days=corr_settings.rank_days,
        window_days=window_days,
    )


def call_path(score: CallScore) -> CallPath:
    """A scored call as the call chart takes it; a price stop becomes a return in % from entry.

    For a price stop S and entry close E: ``100 * (S / E - 1)``, negated for a short.
    """
    call = score.call
    stop_pct = call.stop_pct
    entry = call.entry.get(call.ticker)
    if stop_pct is None and call.stop is not None and entry:
        sign = 1.0 if call.direction == "long" else -1.0
        stop_pct = sign * 100.0 * (call.stop / entry - 1.0)
    horizon_end = call.issue_date + timedelta(weeks=call.horizon_weeks) if call.issue_date else None
    return CallPath(
        call_id=call.id,
        position=call.position,
        published=call.issue_date or score.path.index[0].date(),
        path_pct=score.path,
        status=score.status,
        invalidation_pct=stop_pct,
        horizon_end=horizon_end,
        # A price stop is judged on weekly closes, so daily closes may dip through its line.
        invalidation_on="daily close" if call.stop_pct is not None else "weekly close",
    )


def issue_is_published(posts_dir: Path, as_of: date) -> bool:
    """True when the post of the week ending ``as_of`` says ``draft: false``: its charts are frozen."""
    for path in posts_dir.glob(f"{as_of.isoformat()}-*.md"):
        if is_side_copy(path) or ".bak" in path.name:
            continue
        if read_front_matter(path)[0].get("draft") is False:
            return True
    return False


def live_jobs(layout: Layout, jobs: Sequence[ChartJob]) -> list[ChartJob]:
    """The jobs outside every published issue's chart folder.

    A published issue's charts are frozen: later data, new chart code or a re-run never
    redraws them (the folder content/assets/charts/<as_of>/ belongs to the post of that date).
    """
    root = layout.issue_charts_root
    frozen: dict[str, bool] = {}
    live = []
    for job in jobs:
        folder = job.path.parent
        if folder.parent == root:
            if folder.name not in frozen:
                frozen[folder.name] = issue_is_published(layout.posts, date.fromisoformat(folder.name))
            if frozen[folder.name]:
                continue
        live.append(job)
    return live


def chart_workers(settings: Settings) -> int:
    """Processes for drawing many charts at once: ``[charts] workers``, else one per core."""
    return settings.charts.workers or os.cpu_count() or 1


def chart_drawer(settings: Settings, layout: Layout) -> ChartDrawer:
    """A drawer through the chart cache, for a run that plans charts while others draw."""
    return ChartDrawer(ChartCache(layout.chart_cache), chart_workers(settings))


def draw_issue_charts(settings: Settings, layout: Layout, jobs: Sequence[ChartJob]) -> DrawStats:
    """Draw ``jobs`` through the chart cache; a published issue's charts are never redrawn."""
    cache = ChartCache(layout.chart_cache)
    return draw_charts(live_jobs(layout, jobs), cache=cache, workers=chart_workers(settings))
