"""The house look in one place: colours, fonts, sizes, the title block and the axes helpers.

Every chart is 8 x 4.5 in at 150 dpi = 1200 x 675 px: a blog column at 2x and a 600 px
email at 2x. Font sizes are chosen so the smallest text (ticks, source line) is still about
10 CSS px when the image is shown 600 px wide. Fonts are DejaVu, which ships with
matplotlib, so every machine draws the same glyphs and the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.style  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.text import Text  # noqa: E402

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 150
FONT = "DejaVu Sans"
TITLE_PT, SUBTITLE_PT, LABEL_PT, SMALL_PT = 15.0, 10.5, 10.0, 9.0
LEFT, RIGHT, TOP, BOTTOM = 0.035, 0.915, 0.80, 0.115  # axes area, in figure fractions
DAILY_MAX_SPAN_DAYS = 2 * 365  # longer windows are drawn with weekly closes
LOG_SCALE_MIN_RATIO = 3.0  # max/min above which a price axis goes logarithmic


@dataclass(frozen=True)
class Theme:
    """Colours of one variant (light or dark) of the house look."""

    name: str
    background: str
    text: str
    muted: str
    grid: str
    primary: str  # the instrument, the ratio
    secondary: str  # the other leg, the benchmark
    up: str
    down: str
    fast_ma: str
    slow_ma: str
    band: str  # shaded boxes and bands
    palette: tuple[str, ...]  # one colour per instrument on a many-series chart
    quadrants: tuple[str, str, str, str]  # leading, weakening, lagging, improving


LIGHT = Theme(
    name="light",
    background="#ffffff",
    text="#1f2328",
    muted="#59636e",
    grid="#e3e7eb",
    primary="#1f6feb",
    secondary="#b7791f",
    up="#1a7f37",
    down="#cf222e",
    fast_ma="#8250df",
    slow_ma="#e16f24",
    band="#8c959f",
    palette=(
        "#1f6feb", "#cf222e", "#1a7f37", "#8250df", "#b7791f", "#0e8a98",
        "#d6338a", "#57606a", "#6e5494", "#3b7d23", "#c2410c", "#0550ae",
    ),
    quadrants=("#dafbe1", "#fff8c5", "#ffebe9", "#ddf4ff"),
)

# Material's "slate" scheme puts pages on about #1e2029; the dark variant sits on the same colour.
DARK = Theme(
    name="dark",
    background="#1e2029",
    text="#e6edf3",
    muted="#9ba6b3",
    grid="#343846",
    primary="#58a6ff",
    secondary="#e3b341",
    up="#3fb950",
    down="#ff7b72",
    fast_ma="#bc8cff",
    slow_ma="#ffa657",
    band="#8b949e",
    palette=(
        "#58a6ff", "#ff7b72", "#3fb950", "#bc8cff", "#e3b341", "#39c5cf",
        "#f778ba", "#b1bac4", "#a371f7", "#7ee787", "#ffa657", "#79c0ff",
    ),
    quadrants=("#1f3a2a", "#3a3520", "#3d2527", "#1f3147"),
)

THEMES = {t.name: t for t in (LIGHT, DARK)}


@dataclass(frozen=True)
class ChartFrame:
    """The words around every chart: site name, as-of date, data source."""

    site_title: str
    as_of: date
    source_line: str  # "Data: Yahoo Finance via yfinance" or "Synthetic demo data"


def source_line(source_label: str, synthetic: bool) -> str:
    """The foot line of every chart: where its prices come from, plainly synthetic when they are."""
    return "Synthetic demo data: not real prices" if synthetic else f"Data: {source_label}"


def house_rc(theme: Theme) -> dict[Any, Any]:
    """The rcParams every chart is built and rendered under (on top of matplotlib's defaults)."""
    return {
        "font.family": FONT,
        "font.size": LABEL_PT,
        "text.color": theme.text,
        "axes.edgecolor": theme.grid,
        "axes.labelcolor": theme.muted,
        "axes.facecolor": theme.background,
        "figure.facecolor": theme.background,
        "xtick.color": theme.muted,
        "ytick.color": theme.muted,
        "xtick.labelsize": LABEL_PT,
        "ytick.labelsize": LABEL_PT,
        "legend.fontsize": SMALL_PT,
        "legend.frameon": False,
        "path.simplify": True,
        "axes.formatter.use_mathtext": False,
        # Names, titles and labels are text: a '$' in a fund name ("Fund $5") is not TeX.
        "text.parse_math": False,
        "svg.hashsalt": "rotation-desk",
    }


@contextmanager
def house_style(theme: Theme) -> Iterator[None]:
    """Matplotlib's defaults plus the house rc, whatever the user's matplotlibrc says."""
    with matplotlib.style.context("default"), matplotlib.rc_context(house_rc(theme)):
        yield


def new_figure(
    theme: Theme, rows: int = 1, height_ratios: list[float] | None = None, *, sharex: bool = True
) -> tuple[Figure, list[Axes]]:
    """A 1200 x 675 px figure with ``rows`` stacked axes, ticks on the right, light grid."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor=theme.background)
    FigureCanvasAgg(fig)  # attaches a canvas, so text extents can be measured before saving
    grid = fig.add_gridspec(
        rows, 1, height_ratios=height_ratios, hspace=0.12, left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM
    )
    axes: list[Axes] = []
    for row in range(rows):
        share = axes[0] if axes and sharex else None
        ax = fig.add_subplot(grid[row, 0], sharex=share)
        style_axes(ax, theme)
        axes.append(ax)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    return fig, axes


def style_axes(ax: Axes, theme: Theme) -> None:
    """House axes: no box, a faint grid, y ticks on the right where the latest value is."""
    ax.set_facecolor(theme.background)
    ax.grid(True, color=theme.grid, linewidth=0.7)
    ax.set_axisbelow(True)
    for side in ("top", "left"):
        ax.spines[side].set_visible(False)
    for side in ("bottom", "right"):
        ax.spines[side].set_color(theme.grid)
    ax.yaxis.tick_right()
    ax.yaxis.set_label_position("right")
    ax.tick_params(colors=theme.muted, labelsize=LABEL_PT, length=3)


def title_block(fig: Figure, title: str, subtitle: str, frame: ChartFrame, theme: Theme) -> None:
    """Title and subtitle on the left, site name and as-of date on the right, source at the foot.

    A title or subtitle too long for the room left of the site block is set smaller, down to
    70% of its size, then cut with an ellipsis: a chart never prints over its own header.
    """
    right = 1 - LEFT
    site = fig.text(right, 0.935, frame.site_title, fontsize=SMALL_PT, fontweight="bold", color=theme.text,
                    ha="right", va="center")
    day = fig.text(right, 0.875, f"as of {format_day(frame.as_of)}", fontsize=SMALL_PT, color=theme.muted,
                   ha="right", va="center")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    room = min(site.get_window_extent(renderer).x0, day.get_window_extent(renderer).x0) - 12
    head = fig.text(LEFT, 0.935, title, fontsize=TITLE_PT, fontweight="bold", color=theme.text, va="center")
    _fit(head, room, renderer)
    sub = fig.text(LEFT, 0.868, subtitle, fontsize=SUBTITLE_PT, color=theme.muted, va="center")
    _fit(sub, room, renderer)
    fig.text(LEFT, 0.03, frame.source_line, fontsize=SMALL_PT, color=theme.muted, va="center")


def _fit(text: Text, right_px: float, renderer: Any) -> None:
    """Shrink ``text`` (to 70%), then shorten it with an ellipsis, until it ends before ``right_px``."""
    size = float(text.get_fontsize())
    floor = size * 0.7
    while text.get_window_extent(renderer).x1 > right_px and size > floor:
        size -= 0.5
        text.set_fontsize(size)
    words = text.get_text()
    while text.get_window_extent(renderer).x1 > right_px and len(words) > 4:
        words = words[:-2]
        text.set_text(words.rstrip(" ,;:") + "…")


def legend(ax: Axes, theme: Theme, **options: Any) -> Legend:
    """A legend where it hides least of the data, on a backing that keeps it legible."""
    settings: dict[str, Any] = {"loc": "best", "handlelength": 1.5, "frameon": True, "framealpha": 0.85,
                                "facecolor": theme.background, "edgecolor": "none", "borderpad": 0.3}
    settings.update(options)
    return ax.legend(**settings)


def x_of(day: date | pd.Timestamp) -> float:
    """A day as a matplotlib date number, for artists that take plain floats."""
    return float(mdates.date2num(pd.Timestamp(day)))


def format_day(day: date) -> str:
    """``8 Nov 2024``: unambiguous for readers on both sides of the Atlantic."""
    return f"{day.day} {day:%b %Y}"


def date_axis(ax: Axes, start: date | pd.Timestamp, end: date | pd.Timestamp) -> None:
    """Limits from ``start`` to a little past ``end`` (so the last marker is whole) and concise date
    ticks (years at the boundaries), at most about eight of them.
    """
    left, right = x_of(start), x_of(end)
    ax.set_xlim(left, right + max(0.015 * (right - left), 1.0))
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    formatter = mdates.ConciseDateFormatter(locator, show_offset=False)
    formatter.formats = ["%Y", "%b", "%-d %b", "%H:%M", "%H:%M", "%S.%f"]
    formatter.zero_formats = ["", "%Y", "%b", "%d", "%H:%M", "%H:%M"]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)


def price_axis(ax: Axes, low: float, high: float) -> bool:
    """Log scale when the prices shown span more than LOG_SCALE_MIN_RATIO; plain labels either way."""
    wide = low > 0 and high / low > LOG_SCALE_MIN_RATIO
    if wide:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_locator(mticker.NullLocator())
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(plain_number))
    return wide


def plain_number(value: float, _pos: int | None = None) -> str:
    """A tick label without exponent or trailing zeros: 1,250 / 101.5 / 0.25."""
    if value == 0:
        return "0"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def display_bars(series: pd.Series, span_days: int) -> pd.Series:
    """Daily closes for short windows, the last close of each week for long ones.

    Weekly points keep their real session date (not the W-FRI label) so the last point is
    the as-of close and nothing is drawn beyond the data.
    """
    clean = series.dropna()
    if span_days <= DAILY_MAX_SPAN_DAYS or clean.empty:
        return clean
    weeks = pd.DatetimeIndex(clean.index).to_period("W-FRI")
    last_of_week = ~weeks.duplicated(keep="last")
    return clean.loc[last_of_week]


def break_gaps(series: pd.Series, max_gap_days: int) -> pd.Series:
    """Insert a NaN inside every gap longer than ``max_gap_days`` so the line breaks there.

    A missing stretch of data is shown as missing, never bridged by a straight line.
    """
    if len(series) < 2:
        return series
    index = pd.DatetimeIndex(series.index)
    gaps = np.flatnonzero(np.diff(index.as_unit("s").asi8) > max_gap_days * 86_400)
    if not len(gaps):
        return series
    middles = pd.DatetimeIndex([index[int(i)] + (index[int(i) + 1] - index[int(i)]) / 2 for i in gaps])
    holes = pd.Series(np.nan, index=middles, dtype="float64")
    return pd.concat([series.astype("float64"), holes]).sort_index()


def gap_days_for(span_days: int) -> int:
    """The longest gap drawn as a line: a long weekend for daily bars, two weeks for weekly."""
    return 7 if span_days <= DAILY_MAX_SPAN_DAYS else 17


def headroom(ax: Axes, fraction: float = 0.2) -> None:
    """Raise the top of the y axis by ``fraction`` of its span (in log space on a log axis).

    A breakout happens at a high, so its callout needs free room above the data.
    """
    low, high = ax.get_ylim()
    if ax.get_yscale() == "log":
        top = float(np.exp(np.log(high) + fraction * (np.log(high) - np.log(low))))
    else:
        top = high + fraction * (high - low)
    ax.set_ylim(low, top)
