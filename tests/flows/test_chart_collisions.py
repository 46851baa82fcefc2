"""No chart ever prints a label over another text or across a line: every kind, many real weeks.

The charts a week can show (ratio, price with base, both rotation graphs, breadth, correlation;
the rotation graphs as the issue plans them, the others as its stories would) are built for 104
Fridays spread over twenty years of real ETF closes (../shared/data) and for
the demo's last 52 weeks, alternating the wide and the narrow layout; call charts and the
track record are built from real IWM/IWB returns after each of those Fridays. Each figure is
laid out without being rendered to PNG (``draw_without_rendering``) and checked with
``tests.chart_helpers.collisions``: no two text boxes (titles, ticks, axis labels, labels,
legends) overlap and no label box crosses a drawn line. Light theme only: the dark one has
the same geometry. Two worker processes share the weeks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from generator.charts import (
    BaseBox,
    Breakout,
    CallOutcome,
    CallPath,
    ChartFrame,
    ChartJob,
    build_breadth_chart,
    build_call_chart,
    build_correlation_chart,
    build_price_chart,
    build_ratio_chart,
    build_track_record_chart,
    chart_job,
)
from generator.charts.theme import NARROW, WIDE, reusing_figures
from generator.config import Settings, load_settings
from generator.data.prices import PriceHistory, history_from_bars
from generator.data.sources.demo import DemoSource
from generator.issue.charts import ChartPlan, plan_issue_charts
from generator.issue.weeks import issue_fridays
from generator.lifeline import process_pool
from generator.signals import SignalReport, compute_signals
from generator.signals.breadth import pct_above_sma_series
from generator.signals.correlation import rolling_correlation
from generator.signals.frames import weekly_levels
from tests.chart_helpers import collisions
from tests.helpers import REPO, adjusted_closes

REAL_WEEKS = 104
DEMO_WEEKS = 52
KINDS = ("ratio", "price", "rrg", "breadth", "correlation", "call", "track_record")


def _kind(name: str) -> str:
    return {
        "build_ratio_chart": "ratio",
        "build_price_chart": "price",
        "build_rrg_chart": "rrg",
        "build_breadth_chart": "breadth",
        "build_correlation_chart": "correlation",
    }[name]


def _spread(fridays: list[date], count: int) -> list[date]:
    step = (len(fridays) - 1) / (count - 1)
    return [fridays[round(i * step)] for i in range(count)]


def _call_path(history: PriceHistory, published: date) -> CallPath | None:
    """``long IWM vs IWB`` from ``published``: its relative return over the next 13 weeks (real closes)."""
    adj = history.adj_close[["IWM", "IWB"]].dropna()
    after = adj.loc[pd.Timestamp(published) : pd.Timestamp(published + timedelta(weeks=13))]
    if len(after) < 2:
        return None
    ratio = after["IWM"] / after["IWB"]
    path = 100 * (ratio.iloc[1:] / ratio.iloc[0] - 1)
    return CallPath("iwm-iwb", "long IWM vs IWB", published, path, "open", -4.0, None, "daily close")


def _story_jobs(
    settings: Settings, history: PriceHistory, report: SignalReport, frame: ChartFrame, folder: Path
) -> list[ChartJob]:
    """The story charts a week can show, whichever stories its letter tells: the size pair's ratio
    (with its breakout), the price of the size pair's long leg (with its base and breakout, on the
    weekly closes a story's levels come from), breadth and the pair's correlation."""
    pair = next(p for p in report.pairs if p.category == "size")
    event = next((e for e in pair.events if e.kind.startswith("rel_breakout")), None)
    item = report.instruments[pair.long]
    base = item.base
    box = (
        BaseBox(
            base.start_day, base.breakout.day if base.breakout else report.as_of, base.ceiling, base.floor
        )
        if base.start_day and base.ceiling and base.floor
        else None
    )
    breakout = base.breakout or next((e for e in item.events if e.kind == "ath_breakout"), None)
    followed = [t for g in settings.groups.values() for t in g.tickers if t in history.tickers]
    window = settings.issue.chart_history_weeks * 5
    return [
        chart_job(
            folder / "ratio.png",
            build_ratio_chart,
            long_close=history.adj_close[pair.long],
            short_close=history.adj_close[pair.short],
            long=pair.long,
            short=pair.short,
            frame=frame,
            window_days=window,
            breakout=Breakout(event.day, event.level, "Relative high") if event else None,
        ),
        chart_job(
            folder / "price.png",
            build_price_chart,
            close=weekly_levels(history.close[[pair.long]], report.as_of)[pair.long].dropna(),
            ticker=pair.long,
            name=item.name,
            frame=frame,
            ath_level=item.ath_level,
            base=box,
            breakout=Breakout(breakout.day, breakout.level, "Breakout") if breakout else None,
            window_days=window // 5,
            basis="Total-return closes",
        ),
        chart_job(
            folder / "breadth.png",
            build_breadth_chart,
            pct_above=pct_above_sma_series(history.adj_close[list(dict.fromkeys(followed))], 200, 200),
            benchmark_close=history.close[settings.benchmark],
            benchmark=settings.benchmark,
            universe_label="ETFs we follow",
            frame=frame,
            window_days=window,
        ),
        chart_job(
            folder / "corr.png",
            build_correlation_chart,
            corr=rolling_correlation(history.adj_close, pair.long, pair.short, 63),
            long=pair.long,
            short=pair.short,
            frame=frame,
            window_days=window,
        ),
    ]


def _figures(
    settings: Settings, history: PriceHistory, weeks: list[date], tmp: Path
) -> Iterator[tuple[str, date, str, Callable[[], Figure]]]:
    """(kind, week, layout, build) for every chart of every week, layouts alternating by week."""
    outcomes: list[CallOutcome] = []
    for number, week in enumerate(weeks):
        layout = WIDE if number % 2 == 0 else NARROW
        past = history.as_of(week)
        report = compute_signals(past, settings, week)
        frame = ChartFrame("Rotation Desk", week, "Data: test")
        plan = ChartPlan(tmp / week.isoformat(), tmp, frame, dark=False)
        _, jobs = plan_issue_charts(plan, settings, past, report)  # the rotation graphs
        for job in [*jobs, *_story_jobs(settings, past, report, frame, tmp / week.isoformat())]:
            yield (
                _kind(job.draw.func.__name__),
                week,
                layout.name,
                lambda job=job, layout=layout: job.draw(layout=layout),
            )
        call = _call_path(history, week)
        if call is not None:
            yield (
                "call",
                week,
                layout.name,
                lambda call=call, frame=frame, layout=layout: build_call_chart(
                    call, frame=frame, layout=layout
                ),
            )
            outcomes.append(
                CallOutcome(f"c{number}", call.position, week, float(call.path_pct.iloc[-1]), "closed")
            )
        if outcomes:
            done = list(outcomes)
            yield (
                "track_record",
                week,
                layout.name,
                lambda done=done, frame=frame, layout=layout: build_track_record_chart(
                    done, frame=frame, layout=layout
                ),
            )


def _history(source: str, settings: Settings) -> PriceHistory:
    """The real adjusted closes, or the demo's synthetic prices, of the configured tickers."""
    if source == "real":
        return adjusted_closes(settings.tickers)
    demo = DemoSource(seed=settings.data.demo_seed)
    bars = demo.fetch(settings.tickers, date(2005, 1, 1)).bars
    history = history_from_bars(bars, source_label=demo.label, synthetic=True)
    return PriceHistory(**{**history.__dict__, "names": {t: settings.name_of(t) for t in settings.tickers}})


def check_weeks(source: str, weeks: list[date], tmp: Path) -> tuple[list[str], dict[str, list[date]]]:
    """Build every chart of ``weeks`` and check it; the problems found and the weeks each kind was drawn.

    Runs in a worker process (the weeks are split between two), so it loads its own prices.
    """
    settings = load_settings(REPO / "newsletter.toml")
    history = _history(source, settings)
    seen: dict[str, list[date]] = {kind: [] for kind in KINDS}
    problems = []
    with reusing_figures():  # as the drawing engine builds them (and a third of the time)
        for kind, week, layout, build in _figures(settings, history, weeks, tmp):
            seen[kind].append(week)
            problems += [f"{kind} {week} {layout}: {p}" for p in collisions(build())]
    return problems, seen


def _check(source: str, weeks: list[date], tmp: Path) -> dict[str, set[date]]:
    """``check_weeks`` on two halves of ``weeks`` in two processes; fails naming every problem."""
    halves = [weeks[0::2], weeks[1::2]]
    with process_pool(2, ["generator.charts"]) as pool:
        parts = list(pool.map(check_weeks, [source] * 2, halves, [tmp / "a", tmp / "b"]))
    problems = [p for found, _ in parts for p in found]
    assert problems == [], "\n".join(problems[:40])
    return {kind: {w for _, seen in parts for w in seen[kind]} for kind in KINDS}


def test_no_chart_of_104_real_weeks_has_a_label_over_a_text_or_a_line(settings: Settings, tmp_path: Path):
    history = adjusted_closes(settings.tickers)  # skips here, in the test, when the data is absent
    fridays = issue_fridays(date(2007, 1, 5), history.last_day)
    seen = _check("real", _spread(fridays, REAL_WEEKS), tmp_path)
    for kind in KINDS:
        assert len(seen[kind]) >= 100, f"{kind} was drawn for {len(seen[kind])} weeks only"


def test_no_chart_of_the_demo_year_has_a_label_over_a_text_or_a_line(settings: Settings, tmp_path: Path):
    last_day = _history("demo", settings).last_day
    fridays = issue_fridays(last_day - timedelta(weeks=DEMO_WEEKS + 13), last_day)
    weeks = [d for d in fridays if d <= last_day - timedelta(weeks=13)][-DEMO_WEEKS:]
    seen = _check("demo", weeks, tmp_path)
    for kind in KINDS:
        assert len(seen[kind]) >= DEMO_WEEKS - 1, f"{kind} was drawn for {len(seen[kind])} demo weeks only"


@pytest.mark.parametrize("layout", [WIDE, NARROW], ids=["wide", "narrow"])
def test_the_collision_check_sees_a_label_over_a_line_and_two_texts_overlapping(layout):
    from generator.charts.theme import LIGHT, new_figure

    fig, (ax,) = new_figure(LIGHT, layout=layout)
    ax.plot([0, 1], [0, 1])
    ax.text(0.5, 0.5, "on the line")
    ax.text(0.1, 0.9, "first")
    ax.text(0.1, 0.9, "second")
    found = collisions(fig)
    assert any("'on the line' crosses a line" in p for p in found)
    assert any("'first' and 'second'" in p for p in found)
