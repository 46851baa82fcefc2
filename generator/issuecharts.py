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

from matplotlib.figure import Figure

from generator.calls import CallScore
from generator.charts import (
    Breakout,
    CallPath,
    ChartCache,
    ChartFrame,
    ChartJob,
    DrawStats,
    build_call_chart,
    build_price_chart,
    build_ratio_chart,
    chart_variants,
    dark_path,
    draw_charts,
)
from generator.config import Settings
from generator.drafts import ChartRef, read_front_matter
from generator.prices import PriceHistory
from generator.signals import SignalReport


@dataclass
class ChartPlan:
    """The charts of one issue as they are planned: refs for the templates, jobs for the drawing."""

    folder: Path  # content/assets/charts/<as_of>
    posts: Path  # the folder of the posts, which link the charts relative to it
    frame: ChartFrame
    dark: bool
    refs: dict[str, ChartRef] = field(default_factory=dict)
    jobs: list[ChartJob] = field(default_factory=list)

    def add(
        self, key: str, file: str, alt: str, caption: str, build: Callable[..., Figure], /, **kw: Any
    ) -> None:
        """Plan ``build(**kw)`` into ``file`` (and its dark copy), linked as ``key``."""
        self.jobs.extend(chart_variants(self.folder / file, build, dark=self.dark, frame=self.frame, **kw))
        rel = Path(os.path.relpath(self.folder, self.posts)).as_posix()
        dark_rel = f"{rel}/{dark_path(Path(file)).name}" if self.dark else None
        self.refs[key] = ChartRef(key, f"{rel}/{file}", alt, caption, dark_rel)


def plan_issue_charts(
    plan: ChartPlan,
    settings: Settings,
    history: PriceHistory,
    report: SignalReport,
    open_calls: Sequence[CallScore] = (),
) -> tuple[dict[str, ChartRef], list[ChartJob]]:
    """The size pair's ratio chart, the lead instrument's price chart, the biggest open calls.

    The other chart kinds take plain inputs, so wiring the signals of issue 4 is one
    ``plan.add`` each (key, file, alt, caption, builder, arguments):
    ``build_rrg_chart(tails=[RRGTail(ticker, points)], benchmark=..., tail_weeks=...)``,
    ``build_price_chart(..., base=BaseBox(start, end, ceiling, floor))``,
    ``build_breadth_chart(pct_above=..., benchmark_close=..., benchmark=..., universe_label=...)``,
    ``build_correlation_chart(corr=..., long=..., short=..., corr_days=..., band_days=...)``.
    """
    window_days = settings.issue.chart_history_weeks * 5
    _size_pair(plan, settings, history, report, window_days)
    _lead_price(plan, settings, history, report, window_days)
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


def _size_pair(
    plan: ChartPlan, settings: Settings, history: PriceHistory, report: SignalReport, window_days: int
) -> None:
    pair = next((p for p in report.pairs if p.category == "size"), None)
    if pair is None:
        return
    event = next((e for e in pair.events if e.kind.startswith("rel_breakout")), None)
    label = "Multi-year relative high" if event and "multi" in event.kind else "52-week relative high"
    relative = settings.signals.relative
    plan.add(
        "size_pair",
        f"{pair.long}-vs-{pair.short}.png".lower(),
        f"{pair.long} vs {pair.short} relative strength",
        f"{pair.label}: both legs rebased to 100, and their ratio.",
        build_ratio_chart,
        long_close=history.adj_close[pair.long],
        short_close=history.adj_close[pair.short],
        long=pair.long,
        short=pair.short,
        window_days=window_days,
        fast_days=relative.sma_fast_days,
        slow_days=relative.sma_slow_days,
        high_lookback_days=relative.high_lookback_weeks * 5,
        breakout=Breakout(event.day, event.level, label) if event else None,
    )


def _lead_price(
    plan: ChartPlan, settings: Settings, history: PriceHistory, report: SignalReport, window_days: int
) -> None:
    lead = next((h for h in report.headlines if len(h.tickers) == 1), None)
    ticker = lead.tickers[0] if lead else settings.benchmark
    item = report.instruments.get(ticker)
    if item is None:
        return
    event = next((e for e in item.events if e.kind == "ath_breakout"), None)
    plan.add(
        "lead_price",
        f"{ticker.lower()}-price.png",
        f"{ticker} price",
        f"{ticker} ({item.name}), quoted closes.",
        build_price_chart,
        close=history.close[ticker],
        ticker=ticker,
        name=item.name,
        ath_level=event.level if event else item.ath_level,
        breakout=Breakout(event.day, event.level, "All-time-high breakout") if event else None,
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
    )


def issue_is_published(posts_dir: Path, as_of: date) -> bool:
    """True when the post of the week ending ``as_of`` says ``draft: false``: its charts are frozen."""
    for path in posts_dir.glob(f"{as_of.isoformat()}-*.md"):
        if path.name.endswith(".new.md") or ".bak" in path.name:
            continue
        if read_front_matter(path)[0].get("draft") is False:
            return True
    return False


def draw_charts_unless_frozen(settings: Settings, jobs: Sequence[ChartJob], posts_dir: Path) -> DrawStats:
    """Draw ``jobs`` through the chart cache, skipping every chart in a published issue's folder.

    A published issue's charts are frozen: later data, new chart code or a re-run never
    redraws them (the folder content/assets/charts/<as_of>/ belongs to the post of that date).
    """
    root = settings.content_dir / "assets" / "charts"
    frozen: dict[str, bool] = {}
    live = []
    for job in jobs:
        folder = job.path.parent
        if folder.parent == root:
            if folder.name not in frozen:
                frozen[folder.name] = issue_is_published(posts_dir, date.fromisoformat(folder.name))
            if frozen[folder.name]:
                continue
        live.append(job)
    workers = settings.charts.workers or os.cpu_count() or 1
    return draw_charts(live, cache=ChartCache(settings.cache_dir / "charts"), workers=workers)
