"""Site images: social preview cards, and the drawing edge for every generated page's image.

The call, track-record and ticker charts come from the charts stage (``generator.charts``);
this module adds the 1200 x 630 social card (Pillow, over an issue's lead chart) and
``draw_cached``, which renders a job (a Figure builder or a function returning PNG bytes)
only when its inputs or the drawing code changed since the last build, in a small pool
when there are many, and rewrites a file only when its bytes changed.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from generator.charts import LIGHT, Theme
from generator.charts.render import ChartJob, Output, chart_job, code_version, is_whole_png, render_variants
from generator.charts.theme import FONT_DIR
from generator.fsio import atomic_write_bytes, write_all_if_changed
from generator.lifeline import process_pool

__all__ = ["ChartJob", "DrawStats", "chart_job", "draw_cached", "render_social_card"]

CARD_WIDTH_PX, CARD_HEIGHT_PX = 1200, 630  # the Open Graph / large Twitter card size
STATUS_WORDS = {
    "open": "open",
    "invalidated": "invalidated",
    "expired": "horizon reached",
    "closed": "closed by a later issue",
}


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Roboto, as in the charts and the site (shipped in generator/charts/fonts: no network)."""
    return ImageFont.truetype(str(FONT_DIR / ("Roboto-Bold.ttf" if bold else "Roboto-Regular.ttf")), size)


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


def _code_version() -> str:
    """This module's source and the chart package's code version (any change redraws)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(code_version().encode())
    return digest.hexdigest()[:16]


def _key(job: ChartJob, version: str, output: Output) -> str:
    """sha256 of the code version, the builder, its pickled arguments and the variant (a miss redraws)."""
    digest = hashlib.sha256(version.encode())
    digest.update(f"{job.draw.func.__module__}.{job.draw.func.__qualname__}".encode())
    digest.update(pickle.dumps(sorted(job.draw.keywords.items()), protocol=5))
    digest.update(f"{output.layout}:{output.theme}".encode())
    return digest.hexdigest()


def _render(draw: partial[Any], wanted: list[tuple[str, str]]) -> list[bytes]:
    return render_variants(draw, wanted)


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
    """Render each job's files unless cached under ``cache_dir``; write the files whose bytes changed.

    Misses are rendered in a pool of up to ``workers`` processes when there are enough of them.
    Counts are of files (a job's dark copy and phone layout count one each).
    """
    version = _code_version()
    found: list[tuple[Output, bytes | None]] = []
    misses: list[tuple[ChartJob, list[Output], list[Path | None]]] = []
    for job in jobs:
        missing: list[Output] = []
        places: list[Path | None] = []
        for output in job.outputs:
            key = _key(job, version, output)
            cached = cache_dir / key[:2] / f"{key}.png" if cache_dir is not None else None
            data = cached.read_bytes() if cached is not None and cached.is_file() else None
            if data is not None and not is_whole_png(data):
                data = None  # cut short (the cache is not synced to disk): draw it again
            found.append((output, data))
            if data is None:
                missing.append(output)
                places.append(cached)
        if missing:
            misses.append((job, missing, places))
    count = sum(len(m[1]) for m in misses)
    used = max(1, min(workers, count // MIN_CHARTS_PER_WORKER))
    work = [(job.draw, [(o.layout, o.theme) for o in outputs]) for job, outputs, _ in misses]
    if used > 1:
        with process_pool(used, ["generator.sitecharts"]) as pool:
            drawn = list(pool.map(_render, *zip(*work, strict=True), chunksize=2)) if work else []
    else:
        drawn = [_render(draw, wanted) for draw, wanted in work]
    made: dict[Path, bytes] = {}
    for (_, outputs, places), datas in zip(misses, drawn, strict=True):
        for output, place, data in zip(outputs, places, datas, strict=True):
            made[output.path] = data
            if place is not None:
                atomic_write_bytes(place, data, sync=False)  # a cache: see ChartCache.put
    written = write_all_if_changed(
        (output.path, data if data is not None else made[output.path]) for output, data in found
    )
    return DrawStats(len(found), count, written)
