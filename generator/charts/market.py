"""Market-wide charts: breadth under the benchmark, and a rolling correlation in its 5-year band."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from generator.charts.labels import Placer
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
    gap_days_for,
    house_style,
    legend,
    new_figure,
    price_axis,
    title_block,
    x_of,
)


def build_breadth_chart(
    pct_above: pd.Series,
    benchmark_close: pd.Series,
    *,
    benchmark: str,
    universe_label: str,
    frame: ChartFrame,
    sma_days: int = 200,
    window_days: int = 756,
    theme: Theme = LIGHT,
    layout: Layout = WIDE,
) -> Figure:
    """The benchmark (top) over the share of the universe above its ``sma_days`` average (bottom).

    ``pct_above`` is ``100 * #(C_i > SMA_n(C_i)) / #valid`` per session (SIGNALS.md 4.2),
    in 0..100; the bottom panel shades it above and below 50.
    """
    breadth = pct_above.dropna().iloc[-window_days:]
    if breadth.empty:
        raise ValueError("no breadth values to draw")
    start, end = breadth.index[0], breadth.index[-1]
    bench = benchmark_close.dropna().loc[start:end]
    span_days = (end - start).days
    gap = gap_days_for(span_days)
    latest = float(breadth.iloc[-1])
    with house_style(theme, layout):
        fig, (top, bottom) = new_figure(
            theme, rows=2, height_ratios=[1.0, 1.0], layout=layout, kind="breadth"
        )
        title_block(
            fig,
            f"Breadth: {latest:.0f}% above the {sma_days}-day average",
            f"Share of {universe_label} above their {sma_days}-day average, under {benchmark}",
            frame,
            theme,
            layout,
        )
        if not bench.empty:
            line = break_gaps(display_bars(bench, span_days), gap)
            top.plot(line.index, line.to_numpy(), color=theme.text, linewidth=1.4, label=benchmark)
            price_axis(top, float(bench.min()), float(bench.max()))
        shown = break_gaps(display_bars(breadth, span_days), gap)
        values = shown.to_numpy(dtype="float64")
        bottom.plot(shown.index, values, color=theme.primary, linewidth=1.3,
                    label=f"% above {sma_days}-day average")
        bottom.fill_between(shown.index, 50, values, where=values >= 50, color=theme.up, alpha=0.18,
                            linewidth=0, interpolate=True)
        bottom.fill_between(shown.index, 50, values, where=values < 50, color=theme.down, alpha=0.18,
                            linewidth=0, interpolate=True)
        bottom.axhline(50, color=theme.muted, linewidth=0.8)
        bottom.set_ylim(0, 100)
        bottom.set_yticks([0, 25, 50, 75, 100])
        bottom.set_ylabel("% of universe", fontsize=layout.pt(SMALL_PT))
        date_axis(bottom, start, end, max_ticks=8 if layout is WIDE else 5)
        if not bench.empty:
            Placer(top).place_legend(legend(top, theme))
        Placer(bottom).place_legend(legend(bottom, theme))
    return fig


def build_correlation_chart(
    corr: pd.Series,
    *,
    long: str,
    short: str,
    frame: ChartFrame,
    corr_days: int = 63,
    band_days: int = 1260,
    band_quantiles: tuple[float, float] = (0.1, 0.9),
    window_days: int = 756,
    theme: Theme = LIGHT,
    layout: Layout = WIDE,
) -> Figure:
    """``corr_days`` rolling correlation of daily log returns, inside its trailing 5-year band.

    ``corr`` is the full history of ``r_long.rolling(corr_days).corr(r_short)``. The band is
    the rolling ``band_quantiles`` of the correlation over the last ``band_days`` sessions
    (needing at least a year of values), its median dashed; the subtitle gives the latest
    value's percentile rank within the last ``band_days`` sessions (SIGNALS.md 4.1).
    """
    values = corr.dropna()
    if values.empty:
        raise ValueError(f"no correlation values for {long} and {short}")
    rolling = values.rolling(band_days, min_periods=min(252, band_days))
    low, mid, high = (rolling.quantile(q) for q in (band_quantiles[0], 0.5, band_quantiles[1]))
    shown = values.iloc[-window_days:]
    start, end = shown.index[0], shown.index[-1]
    span_days = (end - start).days
    gap = gap_days_for(span_days)
    recent = values.iloc[-band_days:]
    rank_pct = 100.0 * float((recent <= recent.iloc[-1]).mean())
    with house_style(theme, layout):
        fig, (ax,) = new_figure(theme, layout=layout, kind="correlation")
        title_block(
            fig,
            f"{long} and {short}: {corr_days}-day correlation {float(shown.iloc[-1]):.2f}",
            f"Daily log returns; the latest reading is at the {_ordinal(rank_pct)} percentile of 5 years",
            frame,
            theme,
            layout,
        )
        band = pd.concat([low, mid, high], axis=1).loc[start:end].dropna()
        if not band.empty:
            lo_q, hi_q = (round(100 * q) for q in band_quantiles)
            ax.fill_between(band.index, band.iloc[:, 0].to_numpy(), band.iloc[:, 2].to_numpy(),
                            color=theme.band, alpha=0.2, linewidth=0,
                            label=f"5-year {lo_q}th-{hi_q}th percentile band")
            ax.plot(band.index, band.iloc[:, 1].to_numpy(), color=theme.muted, linewidth=0.9,
                    linestyle=(0, (4, 3)), label="5-year median")
        line = break_gaps(display_bars(shown, span_days), gap)
        ax.plot(line.index, line.to_numpy(), color=theme.primary, linewidth=1.4,
                label=f"{corr_days}-day correlation")
        ax.scatter([x_of(end)], [float(shown.iloc[-1])], s=30, color=theme.primary, zorder=5, clip_on=False)
        lowest = float(np.nanmin([shown.min(), band.iloc[:, 0].min() if not band.empty else np.nan]))
        ax.set_ylim(max(-1.0, lowest - 0.1), 1.0)
        date_axis(ax, start, end, max_ticks=8 if layout is WIDE else 5)
        Placer(ax).place_legend(legend(ax, theme, ncol=3 if layout is WIDE else 1))
    return fig


def _ordinal(pct: float) -> str:
    n = int(round(pct))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
