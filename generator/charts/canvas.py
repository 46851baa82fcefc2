"""The canvas every chart draws on: Agg, with one renderer per process and cached text images.

Most of a chart's drawing time went into text: matplotlib 3.11 lays out and renders every
glyph of every string at each draw (tick labels, titles, legends), although a backfill
draws the same strings thousands of times. Here:

- one ``RendererAgg`` per figure size serves every figure of a process (it is cleared at
  each draw), so matplotlib's text-metrics cache, keyed by renderer, is shared between charts;
- a string is rendered once to a grey image (FreeType, whole string, as matplotlib did up to
  3.10) and kept by (text, font, size, dpi, antialiasing); each draw only blends that image
  in. Positions snap to whole pixels, as they did before 3.11;
- the font's ascent, descent and line gap (read from its tables for every text layout) are
  kept by font and size.

Same inputs, same pixels: what is cached depends only on its key, never on what was drawn
before. A figure must be encoded before another figure of the same size is drawn (the
renderer's buffer is shared): ``render.render_png`` draws and encodes in one go.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import FontProperties, fontManager, get_font

TEXT_IMAGES = 8192  # strings kept per process (a few KB each)


def _font_key(prop: FontProperties) -> tuple[Any, ...]:
    return (
        tuple(prop.get_family()),
        prop.get_style(),
        prop.get_variant(),
        prop.get_weight(),
        prop.get_stretch(),
        prop.get_size_in_points(),
        prop.get_file(),
    )


class HouseRenderer(RendererAgg):
    """``RendererAgg`` that renders each distinct string once and reuses its image."""

    def __init__(self, width: int, height: int, dpi: float) -> None:
        super().__init__(width, height, dpi)
        self._text_images: OrderedDict[tuple[Any, ...], tuple[np.ndarray, float, float, float]] = (
            OrderedDict()
        )
        self._heights: dict[tuple[Any, ...], tuple[float, float, float]] = {}

    def draw_text(
        self,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: FontProperties,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        """Blend the cached grey image of ``s`` at (x, y), rendering it first if it is new."""
        if ismath:
            super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            return
        key = (s, _font_key(prop), self.dpi, bool(gc.get_antialiased()), get_hinting_flag())
        entry = self._text_images.get(key)
        if entry is None:
            font = self._prepare_font(prop)
            font.set_text(s, 0, flags=get_hinting_flag())
            font.draw_glyphs_to_bitmap(antialiased=gc.get_antialiased())
            xo, yo = font.get_bitmap_offset()
            entry = (
                np.array(font.get_image(), dtype=np.uint8),
                font.get_descent() / 64.0,
                xo / 64.0,
                yo / 64.0,
            )
            self._text_images[key] = entry
            if len(self._text_images) > TEXT_IMAGES:
                self._text_images.popitem(last=False)
        image, descent, xo, yo = entry
        if not image.size:
            return
        xd = descent * math.sin(math.radians(angle))
        yd = descent * math.cos(math.radians(angle))
        self._renderer.draw_text_image(image, round(x + xo + xd), round(y + yo + yd) + 1, angle, gc)

    def _get_font_height_metrics(self, prop: FontProperties) -> tuple[float, float, float]:
        """Ascent, descent and line gap of the font at this size (read from its tables once)."""
        key = (_font_key(prop), self.dpi)
        found = self._heights.get(key)
        if found is None:
            font = get_font(fontManager._find_fonts_by_props(prop))
            found = (math.nan, math.nan, math.nan)
            head: Any = font.get_sfnt_table("head")
            for table_name, gap_key, ascent_key, descent_key in (
                ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                ("hhea", "lineGap", "ascent", "descent"),
            ):
                table: Any = font.get_sfnt_table(table_name)  # type: ignore[call-overload]
                if table is None or head is None:
                    continue
                scale = prop.get_size_in_points() * self.dpi / 72 / head["unitsPerEm"]
                found = (table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale)
                break
            self._heights[key] = found
        ascent, descent, gap = found
        if math.isnan(ascent):
            return None, None, None  # type: ignore[return-value]
        return ascent, descent, gap


_RENDERERS: dict[tuple[int, int, float], HouseRenderer] = {}


class HouseCanvas(FigureCanvasAgg):
    """An Agg canvas drawing with the process's ``HouseRenderer`` for its size."""

    def get_renderer(self) -> HouseRenderer:
        """The shared renderer for this figure's size and dpi."""
        width, height = self.get_width_height(physical=True)
        key = (width, height, float(self.figure.dpi))
        renderer = _RENDERERS.get(key)
        if renderer is None:
            renderer = _RENDERERS[key] = HouseRenderer(width, height, self.figure.dpi)
        self.renderer = renderer
        self._lastKey = key
        return renderer
