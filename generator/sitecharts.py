"""Site charts: a call's path since publication, the track record, and social preview cards.

The call and track-record builders take the same inputs, with the same names, as the ones
the charts stage is building (``generator.charts``: ``CallPath``, ``CallOutcome``,
``build_call_chart``, ``build_track_record_chart``); they are a minimal stand-in in the
house style until that lands, and the site code only calls them through these names.

``draw_cached`` is the drawing edge: a chart is rendered only when its inputs (and this
module's code) changed since the last build, and its file is rewritten only when its bytes
changed, so an unchanged ledger costs no drawing at all.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import pickle
import textwrap
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFont

from generator.charts import LIGHT, ChartFrame, Theme, render_png
from generator.fsio import atomic_write_bytes, write_bytes_if_changed

CARD_WIDTH_PX, CARD_HEIGHT_PX = 1200, 630  # the Open Graph / large Twitter card size
STATUS_WORDS = {
    "open": "open",
    "invalidated": "invalidated",
    "expired": "horizon reached",
    "closed": "closed by a later issue",
}


@dataclass(frozen=True)
class CallPath:
    """One call's return in % per session after its publication close (CallScore.path)."""

    call_id: str
    position: str
    published: date
    path_pct: pd.Series = field(compare=False)
    status: str
    invalidation_pct: float | None = None
    horizon_end: date | None = None


@dataclass(frozen=True)
class CallOutcome:
    """One call's result on the track-record chart."""

    call_id: str
    position: str
    published: date
    result_pct: float | None
    status: str


def _figure(theme: Theme, rows: int = 1) -> tuple[Figure, list[Any]]:
    fig = Figure(figsize=(8.0, 4.2), dpi=150, facecolor=theme.background)
    axes = list(np.atleast_1d(fig.subplots(rows, 1, sharex=False)))
    fig.subplots_adjust(left=0.08, right=0.92, top=0.82, bottom=0.12, hspace=0.35)
    for ax in axes:
        ax.set_facecolor(theme.background)
        ax.grid(True, color=theme.grid, linewidth=0.6)
        for side in ("top", "left"):
            ax.spines[side].set_visible(False)
        ax.yaxis.tick_right()
        ax.tick_params(colors=theme.muted, labelsize=8)
    return fig, axes


def _titles(fig: Figure, title: str, subtitle: str, frame: ChartFrame, theme: Theme) -> None:
    fig.text(0.08, 0.935, title, fontsize=13, fontweight="bold", color=theme.text, va="center")
    fig.text(0.08, 0.875, subtitle, fontsize=9, color=theme.muted, va="center")
    fig.text(
        0.92,
        0.935,
        f"{frame.site_title} · {frame.as_of.isoformat()}",
        fontsize=8,
        color=theme.muted,
        ha="right",
        va="center",
    )
    fig.text(0.08, 0.025, frame.source_line, fontsize=7.5, color=theme.muted)


def build_call_chart(call: CallPath, *, frame: ChartFrame, theme: Theme = LIGHT) -> Figure:
    """The call as published vs now: ``I_t = 100 + r_t`` (r in %), 100 at the publication close.

    The dashed red line is the invalidation as published, on the same scale; the dotted
    line is the horizon; the last point is the result now (or where the call ended).
    """
    path = call.path_pct.dropna().astype("float64")
    start = pd.Timestamp(call.published)
    line = pd.concat([pd.Series([100.0], index=pd.DatetimeIndex([start])), 100.0 + path])
    result = float(path.iloc[-1]) if len(path) else None
    colour = theme.muted if result is None else theme.up if result >= 0 else theme.down
    fig, (ax,) = _figure(theme)
    values = line.to_numpy()
    ax.plot(line.index, values, color=colour, linewidth=1.6)
    ax.fill_between(line.index, 100, values, where=values >= 100, color=theme.up, alpha=0.15, linewidth=0)
    ax.fill_between(line.index, 100, values, where=values < 100, color=theme.down, alpha=0.15, linewidth=0)
    ax.axhline(100, color=theme.muted, linewidth=0.8)
    ax.scatter([start], [100.0], s=28, color=theme.text, zorder=5)
    ax.annotate(
        "published",
        (start, 100.0),
        xytext=(4, 6),
        textcoords="offset points",
        fontsize=7.5,
        color=theme.muted,
    )
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if call.invalidation_pct is not None:
        stop = 100.0 + call.invalidation_pct
        ax.axhline(stop, color=theme.down, linewidth=1.0, linestyle=(0, (5, 3)))
        ax.annotate(
            f"invalidation {call.invalidation_pct:+.1f}%",
            (0.0, stop),
            xycoords=("axes fraction", "data"),
            xytext=(4, -3),
            textcoords="offset points",
            va="top",
            fontsize=7.5,
            color=theme.down,
        )
        low = min(low, stop)
    right = line.index[-1] if len(path) else start + pd.Timedelta(days=7)
    if call.horizon_end is not None and pd.Timestamp(call.horizon_end) <= right + pd.Timedelta(days=3):
        ax.axvline(pd.Timestamp(call.horizon_end), color=theme.muted, linewidth=0.8, linestyle=":")
    if result is not None:
        ax.scatter([line.index[-1]], [100 + result], s=34, color=colour, zorder=5)
    pad = max((high - low) * 0.12, 0.6)
    ax.set_ylim(low - pad, high + pad)
    ax.set_xlim(start - pd.Timedelta(days=1), right + pd.Timedelta(days=1))
    ax.set_ylabel("100 = publication close", fontsize=8, color=theme.muted)
    locator = matplotlib.dates.AutoDateLocator(maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(locator))
    outcome = "no close since publication yet" if result is None else f"{result:+.1f}%"
    _titles(
        fig,
        f"{call.position}: {outcome}",
        f"Since the close of {call.published.isoformat()}, {len(path)} sessions; "
        f"{STATUS_WORDS.get(call.status, call.status)}",
        frame,
        theme,
    )
    return fig


def build_track_record_chart(
    outcomes: Sequence[CallOutcome], *, frame: ChartFrame, theme: Theme = LIGHT
) -> Figure:
    """Each scored call's result in publication order (bottom) and their running sum (top).

    Running sum = ``sum(result_pct)`` in percentage points (each call one equal position).
    Open calls are drawn faded: their result can still change.
    """
    scored = sorted((o for o in outcomes if o.result_pct is not None), key=lambda o: (o.published, o.call_id))
    results = np.array([o.result_pct for o in scored], dtype="float64")
    numbers = np.arange(1, len(scored) + 1)
    fig, (top, bottom) = _figure(theme, rows=2)
    if len(scored):
        total = np.cumsum(results)
        top.step(np.r_[0, numbers], np.r_[0.0, total], where="post", color=theme.primary, linewidth=1.6)
        top.axhline(0, color=theme.muted, linewidth=0.8)
        bars = bottom.bar(
            numbers,
            results,
            color=[theme.up if r >= 0 else theme.down for r in results],
            width=0.8,
            linewidth=0,
        )
        for bar, outcome in zip(bars, scored, strict=True):
            if outcome.status == "open":
                bar.set_alpha(0.4)
        bottom.axhline(0, color=theme.muted, linewidth=0.8)
        bottom.set_xlim(0.3, len(scored) + 0.7)
        years = [o.published.year for o in scored]
        ticks = [i + 1 for i, y in enumerate(years) if i == 0 or y != years[i - 1]]
        bottom.set_xticks(ticks, [str(years[t - 1]) for t in ticks])
        top.set_xlim(0, len(scored) + 0.7)
        top.tick_params(labelbottom=False)
        ended = np.array([o.result_pct for o in scored if o.status != "open"], dtype="float64")
        subtitle = "No call has ended yet; faded bars are still open"
        if len(ended):
            subtitle = (
                f"{len(ended)} ended calls, {100 * (ended > 0).sum() / len(ended):.0f}% positive, "
                f"mean {ended.mean():+.1f}%; faded bars are still open"
            )
    else:
        top.text(
            0.5, 0.5, "No call has a result yet", transform=top.transAxes, ha="center", color=theme.muted
        )
        subtitle = "No scored call yet"
    top.set_ylabel("running sum, points", fontsize=8, color=theme.muted)
    bottom.set_ylabel("% per call", fontsize=8, color=theme.muted)
    _titles(fig, "Track record of the calls", subtitle, frame, theme)
    return fig


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"  # shipped with matplotlib: no network
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), size)


def render_social_card(
    title: str,
    subtitle: str,
    *,
    site_title: str,
    chart_png: bytes | None,
    synthetic: bool,
    theme: Theme = LIGHT,
) -> bytes:
    """A 1200 x 630 PNG preview: the title over the issue's lead chart (or over the site name)."""
    card = Image.new("RGB", (CARD_WIDTH_PX, CARD_HEIGHT_PX), theme.background)
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, CARD_WIDTH_PX, 10), fill=theme.primary)
    draw.text((48, 34), site_title.upper(), font=_font(22, bold=True), fill=theme.primary)
    if synthetic:
        badge = "SYNTHETIC DATA"
        box = draw.textbbox((0, 0), badge, font=_font(18, bold=True))
        x = CARD_WIDTH_PX - 48 - (box[2] - box[0]) - 24
        draw.rounded_rectangle((x, 28, CARD_WIDTH_PX - 48, 66), radius=8, fill=theme.secondary)
        draw.text((x + 12, 36), badge, font=_font(18, bold=True), fill="#ffffff")
    lines = textwrap.wrap(title, width=44)[:2]
    for number, line in enumerate(lines):
        draw.text((48, 78 + 50 * number), line, font=_font(40, bold=True), fill=theme.text)
    top = 88 + 50 * len(lines)
    draw.text((48, top), subtitle, font=_font(20), fill=theme.muted)
    top += 40
    if chart_png is not None:
        chart = Image.open(io.BytesIO(chart_png)).convert("RGB")
        height = CARD_HEIGHT_PX - top - 16
        width = round(chart.width * height / chart.height)
        chart = chart.resize((width, height), Image.Resampling.BILINEAR, reducing_gap=2.0)
        card.paste(chart, ((CARD_WIDTH_PX - width) // 2, top))
    # 128 colours: a quarter of the bytes of a true-colour PNG (about 40 KB a card, which
    # matters at 520 issues) and faster to encode, with no visible change on a line chart.
    paletted = card.quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    paletted.save(buffer, format="png", compress_level=6)
    return buffer.getvalue()


@dataclass(frozen=True)
class ChartJob:
    """One image to draw: a function returning a Figure or PNG bytes, and the file it goes to."""

    path: Path
    draw: partial[Any]


def chart_job(path: Path, builder: Callable[..., Any], /, **arguments: Any) -> ChartJob:
    """A job that calls ``builder(**arguments)``."""
    return ChartJob(path, partial(builder, **arguments))


def _code_version() -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(f"matplotlib {matplotlib.__version__}".encode())
    return digest.hexdigest()[:16]


def _key(job: ChartJob, version: str) -> str:
    """sha256 of the code version, the builder and its pickled arguments (a miss only redraws)."""
    digest = hashlib.sha256(version.encode())
    digest.update(f"{job.draw.func.__module__}.{job.draw.func.__qualname__}".encode())
    digest.update(pickle.dumps(sorted(job.draw.keywords.items()), protocol=5))
    return digest.hexdigest()


def _render(job: ChartJob) -> bytes:
    made = job.draw()
    return made if isinstance(made, bytes) else render_png(made)


@dataclass(frozen=True)
class DrawStats:
    """What one ``draw_cached`` call did."""

    jobs: int
    drawn: int
    written: int


# Below this many charts to draw, a pool costs more than it saves: a worker pays about 0.5 s
# to import matplotlib before its first chart.
MIN_CHARTS_PER_WORKER = 6


def draw_cached(jobs: Sequence[ChartJob], cache_dir: Path | None, *, workers: int = 1) -> DrawStats:
    """Render each job unless its key is cached under ``cache_dir``; write files whose bytes changed.

    Misses are rendered in a pool of up to ``workers`` processes when there are enough of them.
    """
    version = _code_version()
    keys = [_key(job, version) for job in jobs]
    cached = [cache_dir / key[:2] / f"{key}.png" if cache_dir is not None else None for key in keys]
    found = [c.read_bytes() if c is not None and c.is_file() else None for c in cached]
    misses = [i for i, data in enumerate(found) if data is None]
    used = max(1, min(workers, len(misses) // MIN_CHARTS_PER_WORKER))
    if used > 1:
        # forkserver: workers start from a clean process, not a fork of this one (which may
        # hold threads); they import this module once.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["generator.sitecharts"])
        with ProcessPoolExecutor(max_workers=used, mp_context=context) as pool:
            drawn = list(pool.map(_render, [jobs[i] for i in misses], chunksize=2))
    else:
        drawn = [_render(jobs[i]) for i in misses]
    for i, made in zip(misses, drawn, strict=True):
        found[i] = made
        target = cached[i]
        if target is not None:
            atomic_write_bytes(target, made)
    written = 0
    for job, data in zip(jobs, found, strict=True):
        assert data is not None  # every miss was drawn above
        written += write_bytes_if_changed(job.path, data)
    return DrawStats(len(jobs), len(misses), written)
