"""Charts stage: matplotlib Figure builders (object API only), a house theme, the social card,
and the one drawing engine.

Builders take frames and small frozen inputs (``generator.charts.inputs``) and return a
``Figure``; nothing here touches pyplot's global state. ``generator.charts.engine`` renders
every image the tool writes (issue and site charts, social cards) to deterministic PNG bytes
through one cache keyed by everything that drew them.
"""

from __future__ import annotations

from generator.charts.engine import (
    ChartCache,
    ChartDrawer,
    ChartJob,
    DrawStats,
    chart_job,
    chart_key,
    chart_variants,
    dark_path,
    draw_charts,
    render_png,
    save_png,
)
from generator.charts.inputs import BaseBox, Breakout, CallOutcome, CallPath, Mark, RRGTail
from generator.charts.market import build_breadth_chart, build_correlation_chart
from generator.charts.performance import build_call_chart, build_track_record_chart
from generator.charts.price import build_price_chart
from generator.charts.relative import build_ratio_chart
from generator.charts.rrg import build_rrg_chart
from generator.charts.social import render_social_card
from generator.charts.theme import DARK, LIGHT, THEMES, ChartFrame, Theme, source_line

__all__ = [
    "DARK",
    "LIGHT",
    "THEMES",
    "BaseBox",
    "Breakout",
    "CallOutcome",
    "CallPath",
    "ChartCache",
    "ChartFrame",
    "ChartJob",
    "Mark",
    "DrawStats",
    "RRGTail",
    "Theme",
    "build_breadth_chart",
    "build_call_chart",
    "build_correlation_chart",
    "build_price_chart",
    "build_ratio_chart",
    "build_rrg_chart",
    "build_track_record_chart",
    "chart_job",
    "chart_key",
    "chart_variants",
    "dark_path",
    "draw_charts",
    "render_png",
    "render_social_card",
    "ChartDrawer",
    "save_png",
    "source_line",
]
