"""Social preview cards: a 1200 x 630 PNG per issue (Pillow, over the issue's lead chart).

``render_social_card`` returns PNG bytes, so a card is a ``ChartJob`` like any chart and is
drawn, cached and written by the one engine (``generator.charts.engine``).
"""

from __future__ import annotations

import io
import textwrap

from PIL import Image, ImageDraw, ImageFont

from generator.charts.theme import FONT_DIR, LIGHT, Theme

CARD_WIDTH_PX, CARD_HEIGHT_PX = 1200, 630  # the Open Graph / large Twitter card size


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
