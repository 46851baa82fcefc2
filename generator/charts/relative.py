"""Relative strength chart: both legs rebased to 100 on top, their ratio below (SIGNALS.md 1.1)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from generator.charts.inputs import Breakout
from generator.charts.labels import callout, drawn_xy
from generator.charts.theme import (
    LIGHT,
    SMALL_PT,
    ChartFrame,
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
    theme: Theme = LIGHT,
) -> Figure:
    """Legs rebased to 100 (top) and ``R = long / short`` rebased to 100 with its averages (bottom).

    Inputs are adjusted closes (basis A) up to the as-of date; the averages are computed on
    the full history so they are warm at the left edge. ``R'_t = 100 * R_t / R_{t0}`` where
    t0 is the first session shown; the 52-week high is ``max(R'_{t-251..t})``, drawn over
    the sessions it covers. A breakout's raw ratio level is rebased the same way.
    """
    joined = pd.concat([long_close, short_close], axis=1, join="inner").dropna()
    joined.columns = pd.Index(["long", "short"])
    if joined.empty:
        raise ValueError(f"no common closes for {long} and {short}")
    ratio_full = joined["long"] / joined["short"]
    shown = joined.iloc[-window_days:]
    span_days = (shown.index[-1] - shown.index[0]).days
    scale = 100.0 / float(ratio_full.loc[shown.index[0]])
    gap = gap_days_for(span_days)

    def bars(series: pd.Series) -> pd.Series:
        return break_gaps(display_bars(series[series.index.isin(shown.index)], span_days), gap)

    with house_style(theme):
        fig, (top, bottom) = new_figure(theme, rows=2, height_ratios=[1.0, 1.15])
        for column, label, color in (("long", long, theme.primary), ("short", short, theme.secondary)):
            leg = bars(100 * shown[column] / shown[column].iloc[0])
            top.plot(leg.index, leg.to_numpy(), color=color, linewidth=1.5, label=label)
        top.set_ylabel("rebased to 100", fontsize=SMALL_PT)
        rebased = 100 * shown / shown.iloc[0]
        price_axis(top, float(rebased.min().min()), float(rebased.max().max()))
        legend(top, theme, ncol=2)
        ratio = bars(ratio_full * scale)
        bottom.plot(ratio.index, ratio.to_numpy(), color=theme.text, linewidth=1.4, label=f"{long}/{short}")
        _averages(bottom, ratio_full * scale, shown.index, bars, fast_days, slow_days, theme)
        _high_line(bottom, ratio_full.loc[shown.index] * scale, high_lookback_days, theme)
        bottom.set_ylabel("ratio, rebased", fontsize=SMALL_PT)
        bottom.margins(y=0.1)
        date_axis(bottom, shown.index[0], shown.index[-1])
        key = legend(bottom, theme, ncol=2)
        if breakout is not None:
            _breakout(bottom, ratio_full * scale, breakout, scale, theme, avoid=[key])
        change = 100 * (ratio_full.iloc[-1] / ratio_full.loc[shown.index[0]] - 1)
        years = span_days / 365.25
        window = f"{years:.0f} years" if years >= 1.5 else f"{max(round(span_days / 7), 1)} weeks"
        cadence = "weekly" if span_days > 2 * 365 else "daily"
        title_block(
            fig,
            f"{long} vs {short}: relative strength",
            f"{long}/{short} ratio {change:+.1f}% over {window} ({cadence} closes, dividend-adjusted)",
            frame,
            theme,
        )
    return fig


def _averages(
    ax: Axes,
    ratio: pd.Series,
    shown: pd.Index,
    bars: Callable[[pd.Series], pd.Series],
    fast_days: int,
    slow_days: int,
    theme: Theme,
) -> None:
    """The ratio's moving averages, each drawn only where it has a full window."""
    for days, color in ((fast_days, theme.fast_ma), (slow_days, theme.slow_ma)):
        average = ratio.rolling(days).mean().loc[shown].dropna()
        if average.empty:
            continue  # too little history for this average: leave it out rather than draw a stub
        line = bars(average)
        ax.plot(line.index, line.to_numpy(), color=color, linewidth=1.1, label=f"{days}-day average")


def _high_line(ax: Axes, ratio: pd.Series, lookback_days: int, theme: Theme) -> None:
    """The 52-week high of the ratio, over the sessions it covers."""
    recent = ratio.iloc[-lookback_days:]
    high = float(recent.max())
    ax.hlines(high, x_of(recent.index[0]), x_of(recent.index[-1]), colors=theme.muted, linewidth=0.9,
              linestyles=(0, (4, 3)), label="52-week high")


def _breakout(
    ax: Axes, ratio: pd.Series, breakout: Breakout, scale: float, theme: Theme, *, avoid: list[Artist]
) -> None:
    """A triangle on the first close above the old high, the level it cleared, and a callout."""
    day = pd.Timestamp(breakout.day)
    upto = ratio.loc[:day]
    if upto.empty or x_of(day) < ax.get_xlim()[0]:
        return  # the breakout is older than the window: the subtitle and the text carry it
    x, y = upto.index[-1], float(upto.iloc[-1])
    headroom(ax)
    level = breakout.level * scale
    ax.hlines(level, x_of(x - pd.Timedelta(weeks=13)), x_of(x), colors=theme.up, linewidth=1.0,
              linestyles=(0, (1, 2)))
    ax.scatter([x_of(x)], [y], marker="^", s=70, color=theme.up, zorder=5, edgecolors=theme.background)
    # Keep the callout off every drawn line (ratio, averages) and the 52-week-high segment.
    callout(ax, x_of(x), y, f"{breakout.label}\n{format_day(breakout.day)}", theme.up,
            line_xy=drawn_xy(ax), avoid=avoid, fontsize=SMALL_PT, halo=theme.background)
