"""``rotation signals`` as readable tables (rich), rendered to plain text.

Pure: a SignalReport in, a string out (no colours, fixed width), so the same report always
prints the same characters and tests can compare output.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.table import Table

from generator.signals.report import BaseState, InstrumentSignals, RelativeSignals, SignalReport

WIDTH = 150


def render_signals(report: SignalReport, *, headlines: int = 12) -> str:
    """Headlines, pairs, instruments and breadth as text tables."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=WIDTH, color_system=None, force_terminal=False, highlight=False)
    console.print(f"Signals as of {report.as_of} (data through {report.last_session}; {report.source_label})")
    console.print(_headline_table(report, headlines))
    if report.pairs:
        console.print(_pair_table(report.pairs))
    console.print(_instrument_table(list(report.instruments.values())))
    if report.breadth:
        console.print(_breadth_table(report))
    return buffer.getvalue()


def _table(title: str) -> Table:
    return Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)


def _pct(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _base(state: BaseState) -> str:
    if state.state in ("none", "insufficient history") or state.length_weeks is None:
        return state.state
    return f"{state.state} ({state.length_years:.1f}y, {_pct(state.pct_from_ceiling)})"


def _headline_table(report: SignalReport, count: int) -> Table:
    table = _table(f"Headlines ({len(report.headlines)}, best first)")
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("headline", overflow="fold")
    for rank, headline in enumerate(report.headlines[:count], start=1):
        table.add_row(str(rank), f"{headline.score:.0f}", headline.text)
    if not report.headlines:
        table.add_row("", "", "No breakout, base or rotation event this week.")
    return table


def _pair_table(pairs: list[RelativeSignals]) -> Table:
    table = _table("Pairs (adjusted closes)")
    for name in (
        "pair",
        "ratio",
        "trend",
        "vs 200d",
        "13 weeks",
        "52w range",
        "Mansfield",
        "base",
        "corr 63d (rank)",
        "events",
    ):
        table.add_column(name, justify="left" if name in ("pair", "trend", "base", "events") else "right")
    for p in pairs:
        corr = p.correlation.corr_by_days.get("63")
        rank = p.correlation.corr_rank_pct
        events = ", ".join(f"{e.kind} {e.weeks_ago}w" for e in p.events if e.notable and e.weeks_ago <= 2)
        table.add_row(
            f"{p.long}/{p.short}",
            _num(p.ratio, 4),
            p.trend,
            _pct(p.vs_sma_slow_pct),
            _pct(p.change_13w_pct),
            _num(p.range_pos_52w),
            _num(p.mansfield, 1),
            _base(p.base),
            f"{_num(corr)} ({_num(rank, 0)})",
            events or "-",
        )
    return table


def _instrument_table(items: list[InstrumentSignals]) -> Table:
    table = _table("Instruments (levels on quoted closes)")
    for name in ("ticker", "close", "1 week", "13 weeks", "from ATH", "base", "vs bench", "RRG", "BB rank"):
        table.add_column(name, justify="left" if name in ("ticker", "base", "vs bench", "RRG") else "right")
    for item in items:
        relative = item.relative.trend if item.relative is not None else "-"
        rrg = f"{item.rrg.quadrant}" if item.rrg is not None else "-"
        table.add_row(
            item.ticker + (" (stale)" if item.stale else ""),
            _num(item.last_close),
            _pct(item.change_1w_pct),
            _pct(item.change_13w_pct),
            _pct(item.pct_from_ath),
            _base(item.base),
            relative,
            rrg,
            _num(item.volatility.bb_width_rank),
        )
    return table


def _breadth_table(report: SignalReport) -> Table:
    table = _table("Breadth")
    for name in ("universe", "counted", "> 50d", "> 200d", "> rising 200d", "NH", "NL", "High-Low Index"):
        table.add_column(name, justify="left" if name == "universe" else "right")
    for b in report.breadth:
        table.add_row(
            b.label,
            f"{b.eligible}/{b.members}",
            _pct(b.pct_above_sma.get("50"), False),
            _pct(b.pct_above_sma.get("200"), False),
            _pct(b.pct_above_rising_sma, False),
            str(b.new_highs if b.new_highs is not None else "n/a"),
            str(b.new_lows if b.new_lows is not None else "n/a"),
            _num(b.high_low_index, 1),
        )
    return table
