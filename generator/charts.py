"""Charts stage: matplotlib Figure builders (object API only) and one saving edge.

Builders take frames and values and return a ``Figure``; nothing here touches pyplot's
global state. ``save_png`` writes deterministic bytes (no timestamp, no software tag) so the
same data gives the same file and the content folder diffs cleanly in git.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from generator.fsio import write_bytes_if_changed  # noqa: E402

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 150  # 1200 x 675 px: a blog column at 2x, a 600 px email


@dataclass(frozen=True)
class Theme:
    """The house look, in one place."""

    background: str = "#ffffff"
    text: str = "#1f2328"
    muted: str = "#6e7781"
    grid: str = "#d8dee4"
    primary: str = "#1f6feb"
    secondary: str = "#bf8700"
    up: str = "#1a7f37"
    down: str = "#cf222e"
    fast_ma: str = "#8250df"
    slow_ma: str = "#fb8500"
    font: str = "DejaVu Sans"


LIGHT = Theme()


@dataclass(frozen=True)
class ChartFrame:
    """The words around every chart: site name, as-of date, data source."""

    site_title: str
    as_of: date
    source_line: str


def _new_figure(
    theme: Theme, rows: int = 1, height_ratios: list[int] | None = None
) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor=theme.background)
    grid = fig.add_gridspec(
        rows, 1, height_ratios=height_ratios, hspace=0.08, left=0.07, right=0.93, top=0.84, bottom=0.11
    )
    axes: list[Axes] = []
    for row in range(rows):
        ax = fig.add_subplot(grid[row, 0], sharex=axes[0] if axes else None)
        ax.set_facecolor(theme.background)
        ax.grid(True, color=theme.grid, linewidth=0.6)
        for side in ("top", "left"):
            ax.spines[side].set_visible(False)
        ax.yaxis.tick_right()
        ax.tick_params(colors=theme.muted, labelsize=8)
        axes.append(ax)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    return fig, axes


def _frame(fig: Figure, title: str, subtitle: str, frame: ChartFrame, theme: Theme) -> None:
    fig.text(
        0.07, 0.94, title, fontsize=13, fontweight="bold", color=theme.text, family=theme.font, va="center"
    )
    fig.text(0.07, 0.885, subtitle, fontsize=9, color=theme.muted, family=theme.font, va="center")
    fig.text(
        0.93,
        0.94,
        f"{frame.site_title} · {frame.as_of.isoformat()}",
        fontsize=8,
        color=theme.muted,
        ha="right",
        va="center",
        family=theme.font,
    )
    fig.text(0.07, 0.03, frame.source_line, fontsize=7.5, color=theme.muted, family=theme.font)


def _date_axis(ax: Axes, span_days: int) -> None:
    locator: mdates.DateLocator
    if span_days > 365 * 3:
        locator = mdates.YearLocator()
        formatter = mdates.DateFormatter("%Y")
    else:
        locator = mdates.MonthLocator(bymonth=[1, 4, 7, 10])
        formatter = mdates.DateFormatter("%b %Y")
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)


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
    theme: Theme = LIGHT,
) -> Figure:
    """Both legs rebased to 100 (top) and the ratio with its moving averages (bottom)."""
    joined = pd.concat([long_close, short_close], axis=1, join="inner").dropna()
    joined.columns = pd.Index([long, short])
    ratio_full = joined[long] / joined[short]
    fast = ratio_full.rolling(fast_days).mean()
    slow = ratio_full.rolling(slow_days).mean()
    shown = joined.iloc[-window_days:]
    base = shown.iloc[0]
    ratio = ratio_full.loc[shown.index]
    scale = 100.0 / ratio.iloc[0]
    fig, (top, bottom) = _new_figure(theme, rows=2, height_ratios=[1, 1])
    top.plot(shown.index, 100 * shown[long] / base[long], color=theme.primary, linewidth=1.3, label=long)
    top.plot(shown.index, 100 * shown[short] / base[short], color=theme.secondary, linewidth=1.3, label=short)
    top.legend(loc="upper left", fontsize=8, frameon=False)
    top.set_ylabel("rebased to 100", fontsize=8, color=theme.muted)
    bottom.plot(ratio.index, ratio * scale, color=theme.text, linewidth=1.2, label=f"{long}/{short}")
    bottom.plot(
        ratio.index,
        fast.loc[shown.index] * scale,
        color=theme.fast_ma,
        linewidth=0.9,
        label=f"{fast_days}-day average",
    )
    bottom.plot(
        ratio.index,
        slow.loc[shown.index] * scale,
        color=theme.slow_ma,
        linewidth=0.9,
        label=f"{slow_days}-day average",
    )
    high = (ratio * scale).iloc[-252:].max()
    bottom.axhline(high, color=theme.muted, linewidth=0.7, linestyle="--", label="52-week high")
    bottom.legend(loc="upper left", fontsize=7.5, frameon=False, ncol=4)
    bottom.set_ylabel("ratio", fontsize=8, color=theme.muted)
    _date_axis(bottom, (shown.index[-1] - shown.index[0]).days)
    change = 100 * (ratio.iloc[-1] / ratio.iloc[0] - 1)
    _frame(
        fig,
        f"{long} vs {short}: relative strength",
        f"Ratio of adjusted closes, {change:+.1f}% over the window shown",
        frame,
        theme,
    )
    return fig


def build_price_chart(
    close: pd.Series,
    *,
    ticker: str,
    name: str,
    frame: ChartFrame,
    ath_level: float | None = None,
    breakout_day: date | None = None,
    breakout_level: float | None = None,
    window_days: int = 756,
    theme: Theme = LIGHT,
) -> Figure:
    """Quoted closes with the all-time-high line and the breakout marker, log scale if wide."""
    shown = close.dropna().iloc[-window_days:]
    fig, (ax,) = _new_figure(theme)
    ax.plot(shown.index, shown.to_numpy(), color=theme.primary, linewidth=1.3, label=ticker)
    if shown.max() / shown.min() > 3:
        ax.set_yscale("log")
    if ath_level is not None:
        ax.axhline(
            ath_level,
            color=theme.up,
            linewidth=0.8,
            linestyle="--",
            label=f"prior all-time high {ath_level:.2f}",
        )
    if breakout_day is not None and breakout_level is not None:
        ax.scatter(
            [mdates.date2num(pd.Timestamp(breakout_day))],
            [float(shown.loc[: pd.Timestamp(breakout_day)].iloc[-1])],
            s=40,
            color=theme.up,
            zorder=5,
            label=f"breakout {breakout_day.isoformat()}",
        )
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    _date_axis(ax, (shown.index[-1] - shown.index[0]).days)
    _frame(fig, f"{ticker}: {name}", f"Quoted closes, last {shown.iloc[-1]:.2f}", frame, theme)
    return fig


def render_png(fig: Figure) -> bytes:
    """PNG bytes with no timestamp or software tag: same figure, same bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, facecolor=fig.get_facecolor())
    return buffer.getvalue()


def save_png(fig: Figure, path: Path) -> bool:
    """Write the figure to ``path`` atomically unless identical bytes are there; True if written."""
    return write_bytes_if_changed(path, render_png(fig))
