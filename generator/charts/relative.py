"""Relative strength chart: both legs rebased to 100 on top, their ratio below (SIGNALS.md 1.1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from generator.charts.annotate import averages, callout, draw_marks
from generator.charts.inputs import Breakout, Mark
from generator.charts.labels import Placer
from generator.charts.price import MARGIN_WEEKS, MAX_WINDOW_YEARS, prior_high_day
from generator.charts.theme import (
    LIGHT,
    SMALL_PT,
    WIDE,
    ChartFrame,
    Layout,
    Theme,
    break_gaps,
    date_axis,
    display_bars,
    format_day,
    gap_days_for,
    headroom,
    house_style,
    legend,
    new_figure,
    price_axis,
    title_block,
    x_of,
)
from generator.signals.wording import versus

RECENT_CROSS_WEEKS = 13  # a cross of the slow average this recent is marked when no story says otherwise


def build_ratio_chart(
    long_close: pd.Series,
    short_close: pd.Series,
    *,
    long: str,
    short: str,
    frame: ChartFrame,
    fast_days: int = 50,
    slow_days: int = 200,
    window_days: int = 756,
    high_lookback_days: int = 252,
    breakout: Breakout | None = None,
    close_basis: str = "adjusted",
    start: date | None = None,
    marks: Sequence[Mark] | None = None,
    subtitle: str | None = None,
    theme: Theme = LIGHT,
    layout: Layout = WIDE,
) -> Figure:
    """Legs rebased to 100 (top) and ``R = long / short`` rebased to 100 with its averages (bottom).

    Inputs are adjusted closes (basis A) up to the as-of date; the averages are computed on
    the full history so they are warm at the left edge. ``R'_t = 100 * R_t / R_{t0}`` where
    t0 is the first session shown; the 52-week high is the highest point drawn over the last
    ``high_lookback_days`` sessions (weekly closes on a weekly chart, as the signal reads
    them), drawn over the sessions it covers. A breakout's raw ratio level is rebased the same
    way. The window widens to show ``start``, each mark, and the prior high a breakout cleared.

    ``marks`` are the dated points the story refers to (a multi-year low, the day the ratio
    crossed its 200-day average); without them (None) the latest cross of the slow average is
    marked when it is within the last 13 weeks. ``subtitle`` replaces the default one, which
    states where the ratio stands against its slow average.
    """
    joined = pd.concat([long_close, short_close], axis=1, join="inner").dropna()
    joined.columns = pd.Index(["long", "short"])
    if joined.empty:
        raise ValueError(f"no common closes for {long} and {short}")
    ratio_full = joined["long"] / joined["short"]
    slow = ratio_full.rolling(slow_days).mean()
    if marks is None:
        marks = latest_cross_marks(ratio_full, slow, slow_days, within_weeks=RECENT_CROSS_WEEKS)
    first = joined.index[-min(window_days, len(joined))]
    wanted = [first]
    if start is not None:
        wanted.append(pd.Timestamp(start - timedelta(weeks=MARGIN_WEEKS)))
    wanted += [pd.Timestamp(m.day - timedelta(weeks=MARGIN_WEEKS)) for m in marks]
    if breakout is not None:
        prior = prior_high_day(ratio_full, breakout)
        if prior is not None:
            wanted.append(prior - pd.Timedelta(weeks=MARGIN_WEEKS))
    floor_day = joined.index[-1] - pd.Timedelta(days=round(365.25 * MAX_WINDOW_YEARS))
    shown = joined.loc[joined.index >= max(min(wanted), floor_day)]
    span_days = (shown.index[-1] - shown.index[0]).days
    scale = 100.0 / float(ratio_full.loc[shown.index[0]])
    gap = gap_days_for(span_days)

    def bars(series: pd.Series) -> pd.Series:
        return break_gaps(display_bars(series[series.index.isin(shown.index)], span_days), gap)

    rebased_ratio = ratio_full * scale
    ratio = bars(rebased_ratio)
    high_level, high_from = _high(ratio, high_lookback_days)
    with house_style(theme, layout):
        fig, (top, bottom) = new_figure(theme, rows=2, height_ratios=[1.0, 1.15], layout=layout, kind="ratio")
        words = subtitle or _subtitle(long, short, ratio_full, slow, slow_days, marks, ratio, high_level)
        title_block(
            fig,
            f"{long} vs {short}: relative strength",
            words,
            frame,
            theme,
            layout,
            closes=_closes(close_basis, span_days),
        )
        for column, label, color in (("long", long, theme.primary), ("short", short, theme.secondary)):
            leg = bars(100 * shown[column] / shown[column].iloc[0])
            top.plot(leg.index, leg.to_numpy(), color=color, linewidth=1.5, label=label)
        top.set_ylabel("rebased to 100", fontsize=layout.pt(SMALL_PT))
        rebased = 100 * shown / shown.iloc[0]
        price_axis(top, float(rebased.min().min()), float(rebased.max().max()))
        bottom.plot(
            ratio.index, ratio.to_numpy(), color=theme.text, linewidth=1.4, label=f"{long}/{short}", zorder=3
        )
        averages(bottom, rebased_ratio, shown.index, bars, (fast_days, slow_days), theme)
        bottom.hlines(
            high_level,
            x_of(high_from),
            x_of(ratio.index[-1]),
            colors=theme.muted,
            linewidth=0.9,
            linestyles=(0, (4, 3)),
            label="52-week high",
            zorder=2,
        )
        bottom.set_ylabel("ratio, rebased", fontsize=layout.pt(SMALL_PT))
        bottom.margins(y=0.1)
        date_axis(bottom, shown.index[0], shown.index[-1], max_ticks=8 if layout is WIDE else 5)
        marker = _breakout(bottom, rebased_ratio.loc[shown.index], breakout, scale, theme)
        placer_top = Placer(top)
        placer_top.place_legend(legend(top, theme, ncol=2))
        placer = Placer(bottom)
        placer.place_legend(legend(bottom, theme, ncol=2 if layout is WIDE else 1))
        if marker is not None and breakout is not None:
            callout(
                placer,
                marker[0],
                marker[1],
                f"{breakout.label}\n{format_day(breakout.day)}",
                theme.up,
                theme,
                layout,
            )
        draw_marks(bottom, placer, rebased_ratio.loc[shown.index], marks, theme, layout)
    return fig


def latest_cross_marks(
    ratio: pd.Series, slow: pd.Series, slow_days: int, *, within_weeks: int | None = None
) -> list[Mark]:
    """The last day the ratio closed across its slow average (up or down), as a mark.

    A cross is a close on the other side of the average from the close before; with
    ``within_weeks`` only a cross that recent counts. Empty when there is none.
    """
    side = np.sign((ratio - slow).to_numpy())
    valid = ~np.isnan(side)
    days = ratio.index[valid]
    side = side[valid]
    changes = np.flatnonzero((side[1:] != side[:-1]) & (side[1:] != 0))
    if not len(changes):
        return []
    at = int(changes[-1]) + 1
    day = days[at]
    if within_weeks is not None and day < ratio.index[-1] - pd.Timedelta(weeks=within_weeks):
        return []
    upward = side[at] > 0
    words = f"Crossed {'above' if upward else 'below'} its {slow_days}-day average"
    return [Mark(day.date(), words, "cross_up" if upward else "cross_down")]


def _high(ratio: pd.Series, lookback_days: int) -> tuple[float, pd.Timestamp]:
    """The highest point drawn in the lookback (weekly closes on a weekly chart) and where the span starts."""
    points = ratio.dropna()
    since = points.index[-1] - pd.Timedelta(days=round(lookback_days * 365.25 / 252))
    recent = points.loc[points.index > since]
    return float(recent.max()), pd.Timestamp(recent.index[0])


def _closes(close_basis: str, span_days: int) -> str:
    cadence = "weekly" if span_days > 2 * 365 else "daily"
    return {
        "adjusted": f"{cadence} closes, dividend-adjusted",
        "quoted": f"{cadence} quoted closes",
        "single": f"{cadence} closes as the source gives them (one close only)",
    }.get(close_basis, f"{cadence} closes")


def _subtitle(
    long: str,
    short: str,
    ratio: pd.Series,
    slow: pd.Series,
    slow_days: int,
    marks: Sequence[Mark],
    drawn: pd.Series,
    high_level: float,
) -> str:
    """Where the ratio stands: against its slow average, since the cross a mark names, at a 52-week high."""
    pair = f"{long}/{short}"
    if pd.isna(slow.iloc[-1]):
        change = 100 * (ratio.iloc[-1] / ratio.iloc[0] - 1)
        return f"{pair} {change:+.1f}% since {format_day(ratio.index[0].date())}"
    vs = 100 * (float(ratio.iloc[-1]) / float(slow.iloc[-1]) - 1)
    words = f"{pair} {versus(vs, f'its {slow_days}-day average')}"
    cross = next((m for m in marks if m.kind in ("cross_up", "cross_down")), None)
    if cross is not None:
        words += f", which it crossed on {format_day(cross.day)}"
    if float(drawn.dropna().iloc[-1]) >= high_level:
        words += "; at a 52-week high"
    return words


def _breakout(
    ax: Axes, ratio: pd.Series, breakout: Breakout | None, scale: float, theme: Theme
) -> tuple[float, float] | None:
    """A triangle on the first close above the old high and the level it cleared; where the callout points."""
    if breakout is None:
        return None
    day = pd.Timestamp(breakout.day)
    upto = ratio.loc[:day]
    if upto.empty or x_of(day) < ax.get_xlim()[0]:
        return None  # the breakout is older than the window: the subtitle and the text carry it
    x, y = upto.index[-1], float(upto.iloc[-1])
    headroom(ax)
    level = breakout.level * scale
    ax.hlines(
        level,
        x_of(x - pd.Timedelta(weeks=13)),
        x_of(x),
        colors=theme.up,
        linewidth=1.0,
        linestyles=(0, (1, 2)),
        zorder=2,
    )
    ax.scatter([x_of(x)], [y], marker="^", s=70, color=theme.up, zorder=5, edgecolors=theme.background)
    return x_of(x), y
