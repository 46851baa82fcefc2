"""The house look in one place: colours, fonts, sizes, the title block and the axes helpers.

A chart is drawn for one of two layouts. ``WIDE`` is 8 x 4.5 in at 150 dpi = 1200 x 675 px:
a blog column at 2x and a 600 px email at 2x; its smallest text (ticks, source line) is about
10 CSS px when the image is shown 600 px wide. ``NARROW`` is 4.8 x 6 in = 720 x 900 px, taller
and with larger text, for phones: shown 360 CSS px wide its smallest text is still about
10 CSS px, where the wide chart's would be 5 px. The type is Roboto, the face of the site's
Material theme, shipped in ``fonts/`` (static instances, SIL OFL 1.1) so every machine draws
the same glyphs and the same bytes; DejaVu Sans (shipped with matplotlib) fills in the few
glyphs Roboto lacks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors  # noqa: E402
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.style  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from generator.charts.canvas import HouseCanvas  # noqa: E402

DPI = 150
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = tuple(sorted(FONT_DIR.glob("*.ttf")))
FONT = ["Roboto", "DejaVu Sans"]
TITLE_PT, SUBTITLE_PT, LABEL_PT, SMALL_PT = 15.0, 10.5, 10.0, 9.0
DAILY_MAX_SPAN_DAYS = 2 * 365  # longer windows are drawn with weekly closes
LOG_SCALE_MIN_RATIO = 3.0  # max/min above which a price axis goes logarithmic


def _register_fonts() -> None:
    """Make our Roboto the only one matplotlib knows, so another installed copy cannot change the bytes."""
    ours = {str(path) for path in FONT_FILES}
    manager = font_manager.fontManager
    manager.ttflist = [e for e in manager.ttflist if e.name != "Roboto" or e.fname in ours]
    known = {e.fname for e in manager.ttflist}
    for path in sorted(ours - known):
        manager.addfont(path)


_register_fonts()


@dataclass(frozen=True)
class Layout:
    """The shape a chart is drawn in: size, text scale, and where the title, plot and foot go.

    ``left``/``right``/``top``/``bottom`` bound the plot area in figure fractions; on the
    narrow layout ``top`` is lowered to fit the title and subtitle once they are wrapped.
    """

    name: str
    width_in: float
    height_in: float
    scale: float  # every font size is multiplied by this
    left: float
    right: float
    top: float
    bottom: float
    header_right: bool  # site name and as-of date top right (wide), or in the foot (narrow)
    suffix: str  # added to the file name of the variant: "" or "-narrow"

    @property
    def size_px(self) -> tuple[int, int]:
        """Width and height in pixels."""
        return round(self.width_in * DPI), round(self.height_in * DPI)

    def pt(self, size: float) -> float:
        """A font size in this layout."""
        return round(size * self.scale, 2)


WIDE = Layout("wide", 8.0, 4.5, 1.0, 0.035, 0.915, 0.80, 0.115, True, "")
NARROW = Layout("narrow", 4.8, 6.0, 1.12, 0.05, 0.87, 0.80, 0.15, False, "-narrow")
LAYOUTS = {layout.name: layout for layout in (WIDE, NARROW)}
# Kept for callers that think in the wide chart's terms.
WIDTH_IN, HEIGHT_IN = WIDE.width_in, WIDE.height_in
LEFT, RIGHT, TOP, BOTTOM = WIDE.left, WIDE.right, WIDE.top, WIDE.bottom


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
    faint: str  # instruments drawn only for context (the RRG's other funds)
    palette: tuple[str, ...]  # one colour per instrument on a many-series chart, neighbours distinct
    quadrants: tuple[str, str, str, str]  # leading, weakening, lagging, improving


# The palette is Okabe and Ito's (2008), chosen to stay distinct under the common forms of colour
# blindness, in an order where neighbours differ most; its yellow (unreadable on white) and its
# black (an axis' colour) are left out, and on the dark page its colours are lightened a little
# to keep their contrast.
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
    faint="#b3bac2",
    palette=("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#e69f00"),
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
    faint="#5b6270",
    palette=("#3d9be0", "#e8702a", "#1ab58a", "#d98cba", "#7cc7f0", "#f0ac1a"),
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


def house_rc(theme: Theme, layout: Layout = WIDE) -> dict[Any, Any]:
    """The rcParams every chart is built and rendered under (on top of matplotlib's defaults)."""
    return {
        "font.family": FONT,
        "font.size": layout.pt(LABEL_PT),
        "text.color": theme.text,
        "axes.edgecolor": theme.grid,
        "axes.labelcolor": theme.muted,
        "axes.facecolor": theme.background,
        "figure.facecolor": theme.background,
        "xtick.color": theme.muted,
        "ytick.color": theme.muted,
        "xtick.labelsize": layout.pt(LABEL_PT),
        "ytick.labelsize": layout.pt(LABEL_PT),
        "legend.fontsize": layout.pt(SMALL_PT),
        "legend.frameon": False,
        "path.simplify": True,
        "axes.formatter.use_mathtext": False,
        # Names, titles and labels are text: a '$' in a fund name ("Fund $5") is not TeX.
        "text.parse_math": False,
        "svg.hashsalt": "rotation-desk",
    }


@contextmanager
def house_style(theme: Theme | None = None, layout: Layout = WIDE) -> Iterator[None]:
    """Matplotlib's defaults plus the house rc (none without a theme), whatever the user's matplotlibrc says.

    The full set of rcParams for each (theme, layout) is validated once per process and then
    swapped in and out whole, which costs far less than ``style.context`` each time.
    """
    params: Any = matplotlib.rcParams  # a dict underneath: set whole, skipping per-key validation
    saved = dict.copy(params)
    dict.update(params, _resolved_rc(theme.name if theme else "", layout.name))
    try:
        yield
    finally:
        dict.clear(params)
        dict.update(params, saved)


@cache
def _resolved_rc(theme: str, layout: str) -> dict[str, Any]:
    """Every rcParam: matplotlib's defaults with the house rc on top, validated (not the backend)."""
    with matplotlib.style.context("default"):
        if theme:
            matplotlib.rcParams.update(house_rc(THEMES[theme], LAYOUTS[layout]))
        params: Any = matplotlib.rcParams
        resolved: dict[str, Any] = dict.copy(params)
    resolved.pop("backend", None)
    return resolved


def new_figure(
    theme: Theme,
    rows: int = 1,
    height_ratios: list[float] | None = None,
    *,
    layout: Layout = WIDE,
    sharex: bool = True,
    kind: str | None = None,
) -> tuple[Figure, list[Axes]]:
    """A figure of ``layout``'s size with ``rows`` stacked axes, ticks on the right, light grid.

    Inside ``reusing_figures()`` a chart ``kind`` gets the figure it had last time in this
    process, emptied and restyled (``_reset_figure``) instead of a new one: making the axes
    is most of a chart's building time. Same inputs, same bytes either way (the tests check).
    """
    key = (kind, theme.name, layout.name, rows, tuple(height_ratios or ()), sharex)
    if kind is not None and _REUSE[0]:
        kept = _TEMPLATES.get(key)
        if kept is not None:
            _reset_figure(kept, theme, layout)
            return kept, list(kept.axes)
    fig = Figure(figsize=(layout.width_in, layout.height_in), dpi=DPI, facecolor=theme.background)
    HouseCanvas(fig)  # attaches a canvas, so text extents can be measured before saving
    grid = fig.add_gridspec(
        rows, 1, height_ratios=height_ratios, hspace=0.12 if layout is WIDE else 0.1,
        left=layout.left, right=layout.right, top=layout.top, bottom=layout.bottom,
    )
    axes: list[Axes] = []
    for row in range(rows):
        share = axes[0] if axes and sharex else None
        ax = fig.add_subplot(grid[row, 0], sharex=share)
        style_axes(ax, theme, layout)
        axes.append(ax)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    if kind is not None and _REUSE[0]:
        _TEMPLATES[key] = fig
    return fig, axes


_TEMPLATES: dict[tuple[Any, ...], Figure] = {}
_REUSE = [False]


@contextmanager
def reusing_figures() -> Iterator[None]:
    """Let ``new_figure`` hand a chart kind back its previous figure (the drawing engine's workers)."""
    before = _REUSE[0]
    _REUSE[0] = True
    try:
        yield
    finally:
        _REUSE[0] = before


def _reset_figure(fig: Figure, theme: Theme, layout: Layout) -> None:
    """Empty a figure ``new_figure`` made and give it back the state of a new one in ``theme``.

    Everything a builder adds or changes goes: artists, legends, figure texts, limits, scales,
    locators and formatters, margins, axis labels, the colour cycle, the plot area's
    position; then the house style is applied again (the figure may have been repainted dark).
    """
    for text in list(fig.texts):
        text.remove()
    fig.patch.set_facecolor(theme.background)
    for ax in fig.axes:
        if ax.legend_ is not None:
            ax.legend_.remove()
        for child in list(ax._children):  # type: ignore[attr-defined]
            child.remove()
        ax.containers.clear()
        # Units (dates on a date chart's x axis) stay: a kind always plots the same kind of data.
        ax.set_xscale("linear")
        ax.set_yscale("linear")
        ax.dataLim.set_points(Bbox.null().get_points())
        ax.ignore_existing_data_limits = True
        ax.viewLim.set_points(Bbox.unit().get_points())
        ax.set_autoscale_on(True)
        ax.set_xmargin(matplotlib.rcParams["axes.xmargin"])
        ax.set_ymargin(matplotlib.rcParams["axes.ymargin"])
        ax.use_sticky_edges = True
        ax.set_prop_cycle(None)
        for label, position in ((ax.xaxis.label, "x"), (ax.yaxis.label, "y")):
            label.set_text("")
            label.set_fontsize(matplotlib.rcParams["axes.labelsize"])
            label.set_color(matplotlib.rcParams["axes.labelcolor"])
            label.set_horizontalalignment("center")
            if position == "x":
                label.set_x(0.5)
            else:
                label.set_y(0.5)
        ax.yaxis.set_label_position("right")
        style_axes(ax, theme, layout)
        ax._request_autoscale_view()  # type: ignore[attr-defined]
    spec = fig.axes[0].get_subplotspec() if fig.axes else None
    if spec is not None:
        grid: Any = spec.get_gridspec()
        grid.update(top=layout.top, bottom=layout.bottom, left=layout.left, right=layout.right)


def style_axes(ax: Axes, theme: Theme, layout: Layout = WIDE) -> None:
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
    ax.tick_params(colors=theme.muted, labelsize=layout.pt(LABEL_PT), length=3)


def title_block(
    fig: Figure,
    title: str,
    subtitle: str,
    frame: ChartFrame,
    theme: Theme,
    layout: Layout = WIDE,
    *,
    closes: str = "",
    foot_room_px: float | None = None,
) -> None:
    """Title and subtitle on top, the site name, as-of date and data source where the layout puts them.

    Wide: title and subtitle on the left, site and date on the right; a title or subtitle too
    long for the room left of the site block is set smaller, down to 70% of its size, then cut
    with an ellipsis: a chart never prints over its own header. Narrow: title and subtitle
    wrap (two and three lines at most) and the plot starts below them; site, date and source
    go in the foot. ``closes`` (which closes are drawn: "weekly closes, dividend-adjusted")
    follows the data source in the foot. Call it before anything is placed on the axes: it
    may move them. ``foot_room_px`` is where the foot must end (left of an axis label there).
    """
    source = f"{frame.source_line}; {closes}" if closes else frame.source_line
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    width_px, height_px = layout.size_px
    if layout.header_right:
        right = 1 - layout.left
        site = fig.text(right, 0.935, frame.site_title, fontsize=SMALL_PT, fontweight="bold",
                        color=theme.text,
                        ha="right", va="center")
        day = fig.text(right, 0.875, f"as of {format_day(frame.as_of)}", fontsize=SMALL_PT, color=theme.muted,
                       ha="right", va="center")
        room = min(site.get_window_extent(renderer).x0, day.get_window_extent(renderer).x0) - 12
        head = fig.text(layout.left, 0.935, title, fontsize=TITLE_PT, fontweight="bold", color=theme.text,
                        va="center")
        _fit(head, room, renderer)
        sub = fig.text(layout.left, 0.868, subtitle, fontsize=SUBTITLE_PT, color=theme.muted, va="center")
        _fit(sub, room, renderer)
        foot = fig.text(layout.left, 0.03, source, fontsize=SMALL_PT, color=theme.muted, va="center")
        _fit(foot, foot_room_px if foot_room_px is not None else right * width_px, renderer)
        return
    room = (1 - 2 * layout.left) * width_px
    top_px = height_px - 0.025 * height_px
    for text, size, weight, colour, lines in (
        (title, layout.pt(TITLE_PT) * 0.92, "bold", theme.text, 2),
        (subtitle, layout.pt(SUBTITLE_PT), "normal", theme.muted, 3),
    ):
        wrapped = _wrap(fig, text, room, renderer, fontsize=size, fontweight=weight, max_lines=lines)
        block = fig.text(layout.left, top_px / height_px, wrapped, fontsize=size, fontweight=weight,
                         color=colour, va="top", linespacing=1.25)
        top_px = block.get_window_extent(renderer).y0 - 0.012 * height_px
    plot_top = (top_px - 0.012 * height_px) / height_px
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        if spec is not None:
            grid: Any = spec.get_gridspec()
            grid.update(top=plot_top)
            break
    site_line = f"{frame.site_title}, as of {format_day(frame.as_of)}"
    fig.text(layout.left, 0.048, site_line, fontsize=layout.pt(SMALL_PT), fontweight="bold", color=theme.text,
             va="center")
    foot_source = fig.text(layout.left, 0.02, source, fontsize=layout.pt(SMALL_PT), color=theme.muted,
                           va="center")
    _fit(foot_source, foot_room_px if foot_room_px is not None else (1 - layout.left) * width_px, renderer)


def _wrap(fig: Figure, text: str, room_px: float, renderer: Any, *, max_lines: int, **style: Any) -> str:
    """``text`` in lines no wider than ``room_px`` (greedy, measured), the last cut with an ellipsis."""
    probe = fig.text(0, 0, "", **style)
    lines: list[str] = []
    words = text.split()
    current = ""
    for number, word in enumerate(words):
        trial = f"{current} {word}".strip()
        probe.set_text(trial)
        if current and probe.get_window_extent(renderer).width > room_px:
            lines.append(current)
            current = word
            if len(lines) == max_lines:
                current = ""
                lines[-1] = _ellipsis(probe, " ".join([lines[-1], *words[number:]]), room_px, renderer)
                break
        else:
            current = trial
    if current:
        lines.append(current)
    probe.remove()
    return "\n".join(lines)


def _ellipsis(probe: Text, text: str, room_px: float, renderer: Any) -> str:
    words = text.split()
    while len(words) > 1:
        candidate = " ".join(words).rstrip(" ,;:") + "…"
        probe.set_text(candidate)
        if probe.get_window_extent(renderer).width <= room_px:
            return candidate
        words = words[:-1]
    return words[0] if words else ""


def _fit(text: Text, right_px: float, renderer: Any) -> None:
    """Shrink ``text`` (to 70%, by half points), then cut it with an ellipsis, until it ends by ``right_px``.

    Width grows about in step with the font size, so the first guess is the size that would just
    fit; half-point steps down from there take care of rounding.
    """
    size = float(text.get_fontsize())
    floor = size * 0.7
    extent = text.get_window_extent(renderer)
    if extent.x1 > right_px and extent.width > 0:
        guess = size * (right_px - extent.x0) / extent.width
        size = max(math.floor(min(guess, size - 0.5) * 2) / 2, math.floor(floor * 2) / 2)
        text.set_fontsize(size)
    while text.get_window_extent(renderer).x1 > right_px and size > floor:
        size -= 0.5
        text.set_fontsize(size)
    words = text.get_text()
    while text.get_window_extent(renderer).x1 > right_px and len(words) > 4:
        words = words[:-2]
        text.set_text(words.rstrip(" ,;:") + "…")


def legend(ax: Axes, theme: Theme, **options: Any) -> Legend:
    """A legend on a backing that keeps it legible; ``Placer.place_legend`` moves it where it hides least."""
    settings: dict[str, Any] = {"loc": "upper left", "handlelength": 1.5, "frameon": True, "framealpha": 0.85,
                                "facecolor": theme.background, "edgecolor": "none", "borderpad": 0.3}
    settings.update(options)
    return ax.legend(**settings)


def x_of(day: date | pd.Timestamp) -> float:
    """A day as a matplotlib date number, for artists that take plain floats."""
    return float(mdates.date2num(pd.Timestamp(day)))


def format_day(day: date) -> str:
    """``8 Nov 2024``: unambiguous for readers on both sides of the Atlantic."""
    return f"{day.day} {day:%b %Y}"


def date_axis(ax: Axes, start: date | pd.Timestamp, end: date | pd.Timestamp, *, max_ticks: int = 8) -> None:
    """Limits from ``start`` to a little past ``end`` (so the last marker is whole) and date ticks.

    The ticks are the coarsest calendar step that gives at least three and at most
    ``max_ticks`` of them: whole years (every 1, 2, 5 or 10), months (every 1, 2, 3 or 6,
    January written as its year) or days (1st, 8th, 15th, 22nd, or every 1st and 15th).
    They are computed once here (fixed ticks), not by a locator at every draw.
    """
    left, right = x_of(start), x_of(end)
    right += max(0.015 * (right - left), 1.0)
    ax.set_xlim(left, right)
    ticks, labels = calendar_ticks(pd.Timestamp(start), pd.Timestamp(end), max_ticks)
    # A label centred on a tick this near an end would hang past the plot, over the price axis.
    edge = (right - left) * (0.035 if max_ticks >= 8 else 0.07)
    kept = [(x, label) for x, label in zip([x_of(t) for t in ticks], labels, strict=True)
            if left + edge <= x <= right - edge]
    ax.xaxis.set_major_locator(mticker.FixedLocator([x for x, _ in kept]))
    ax.xaxis.set_major_formatter(mticker.FixedFormatter([label for _, label in kept]))
    ax.xaxis.set_minor_locator(mticker.NullLocator())


def calendar_ticks(
    start: pd.Timestamp, end: pd.Timestamp, max_ticks: int
) -> tuple[list[pd.Timestamp], list[str]]:
    """Calendar tick days between ``start`` and ``end`` and their labels (see ``date_axis``).

    Steps go from coarse to fine; the first giving three to ``max_ticks`` ticks wins, else the
    coarsest giving at least one.
    """
    first, last = start.date(), end.date()
    options: list[tuple[list[date], Callable[[date], str]]] = []
    years = [date(y, 1, 1) for y in range(first.year, last.year + 1) if first <= date(y, 1, 1) <= last]
    for step in (50, 20, 10, 5, 2, 1):
        options.append(([d for d in years if d.year % step == 0], lambda d: f"{d.year}"))
    months = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        if date(year, month, 1) >= first:
            months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for step in (6, 3, 2, 1):
        options.append(([d for d in months if (d.month - 1) % step == 0],
                        lambda d: f"{d.year}" if d.month == 1 else f"{d:%b}"))
    if (last - first).days <= 8 * 31:
        days = [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
        for days_of_month in ((1, 15), (1, 8, 15, 22), tuple(range(1, 32, 2)), tuple(range(1, 32))):
            options.append(([d for d in days if d.day in days_of_month], lambda d: f"{d.day} {d:%b}"))
    fitting = [o for o in options if 3 <= len(o[0]) <= max_ticks] or [o for o in options if o[0]]
    chosen, label = fitting[0] if fitting else options[-1]
    return [pd.Timestamp(d) for d in chosen], [label(d) for d in chosen]


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


def theme_colours(theme: Theme) -> list[str]:
    """Every colour of a theme, in field order (palette and quadrants flattened)."""
    colours: list[str] = []
    for field in fields(theme):
        value = getattr(theme, field.name)
        if field.name == "name":
            continue
        colours += list(value) if isinstance(value, tuple) else [value]
    return colours


def restyle(fig: Figure, source: Theme, target: Theme) -> None:
    """Repaint a figure drawn in ``source`` in ``target``'s colours, keeping every alpha and position.

    Each colour of ``source`` maps to the colour of the same role in ``target`` (the colours of
    a theme are distinct, so the map is one to one). The dark variant of a chart is its light
    figure repainted: one build serves both, and the test suite checks the bytes equal those
    of a figure built in the dark theme.
    """
    mapping = {_rgb(a): _rgb(b) for a, b in zip(theme_colours(source), theme_colours(target), strict=True)}

    def paint(colour: Any) -> Any:
        """The repainted colour, or None when it stays (unknown, invisible, or 'none')."""
        if isinstance(colour, str) and colour in ("none", "None", "auto"):
            return None
        rgba = matplotlib.colors.to_rgba(colour)
        rgb = mapping.get(_rgb(rgba)) if rgba[3] > 0 else None
        return None if rgb is None else (*rgb, rgba[3])

    def paint_array(colours: Any) -> Any:
        array = np.asarray(colours, dtype="float64")
        if array.ndim != 2 or not len(array):
            return None
        out = array.copy()
        changed = False
        for row in out:
            rgb = mapping.get((round(row[0], 6), round(row[1], 6), round(row[2], 6))) if row[3] > 0 else None
            if rgb is not None:
                row[:3] = rgb
                changed = True
        return out if changed else None

    seen: set[int] = set()
    for artist in fig.findobj():
        _repaint(artist, paint, paint_array, seen)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for ticks in (axis.majorTicks, axis.minorTicks):
                for tick in ticks:
                    for part in (tick.tick1line, tick.tick2line, tick.gridline, tick.label1, tick.label2):
                        _repaint(part, paint, paint_array, seen)
            kws: Any = (axis._major_tick_kw, axis._minor_tick_kw)  # type: ignore[union-attr]
            for kw in kws:
                for key in ("color", "labelcolor", "grid_color"):
                    if key in kw and paint(kw[key]) is not None:
                        kw[key] = paint(kw[key])


def _repaint(artist: Any, paint: Any, paint_array: Any, seen: set[int]) -> None:
    """One artist's colours through ``paint`` (the many kinds of artist keep them differently).

    A colour is set only when it changes: setting one again would re-apply the artist's alpha.
    """
    if id(artist) in seen:
        return
    seen.add(id(artist))

    def update(getter: Any, setter: Any, painter: Any = paint) -> None:
        new = painter(getter())
        if new is not None:
            setter(new)

    if isinstance(artist, Figure):
        update(artist.patch.get_facecolor, artist.patch.set_facecolor)
    elif isinstance(artist, Line2D):
        update(artist.get_color, artist.set_color)
        update(artist.get_markerfacecolor, artist.set_markerfacecolor)
        update(artist.get_markeredgecolor, artist.set_markeredgecolor)
    elif isinstance(artist, Text):
        update(artist.get_color, artist.set_color)
        for part in (artist.get_bbox_patch(), getattr(artist, "arrow_patch", None)):
            if part is not None:
                _repaint(part, paint, paint_array, seen)
    elif isinstance(artist, Patch):
        update(artist.get_facecolor, artist.set_facecolor)
        update(artist.get_edgecolor, artist.set_edgecolor)
    elif isinstance(artist, Collection):
        update(artist.get_facecolor, artist.set_facecolor, paint_array)
        update(artist.get_edgecolor, artist.set_edgecolor, paint_array)


def _rgb(colour: Any) -> tuple[float, float, float]:
    rgba = matplotlib.colors.to_rgba(colour)
    return (round(rgba[0], 6), round(rgba[1], 6), round(rgba[2], 6))
