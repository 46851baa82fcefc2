"""Small phrase builders for headlines: numbers, spans of time, and a stable choice of wording.

Every phrase states a measured number; none forecasts. The choice among equivalent phrasings
is a hash of the subject, the kind and the date, so the same data gives the same sentence on
every run while consecutive weeks read differently.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date

from generator.signals.report import BaseState, Event


def pick(options: Sequence[str], *keys: object) -> str:
    """One of ``options``, chosen by a stable hash of ``keys``."""
    digest = zlib.crc32("|".join(str(k) for k in keys).encode())
    return options[digest % len(options)]


def price(value: float | None) -> str:
    """A price level: 2 decimals, thousands separated."""
    return "n/a" if value is None else f"{value:,.2f}"


def ratio(value: float | None) -> str:
    """A ratio level: 4 significant decimals."""
    return "n/a" if value is None else f"{value:.4f}"


def pct(value: float | None, digits: int = 1) -> str:
    """An unsigned percentage: ``1.2%``."""
    return "n/a" if value is None else f"{abs(value):.{digits}f}%"


def signed(value: float | None, digits: int = 1) -> str:
    """A signed percentage: ``+1.2%``; one that rounds to zero is ``0.0%`` (never ``-0.0%``)."""
    if value is None:
        return "n/a"
    text = f"{value:+.{digits}f}%"
    return text[1:] if float(text[:-1]) == 0 else text


def versus(value_pct: float | None, level: str) -> str:
    """Where a close stands against ``level`` (named with its article), the word taken from the
    sign of ``value_pct = 100 * (close / level - 1)``: ``3.2% below the 117.17 ceiling``,
    ``3.2% above ...``. A gap that shows as 0.0% is given to two decimals (``0.04% above``),
    one smaller still reads ``just above`` / ``just below``, and none at all ``at the ...``:
    never "0.0% above", nor "above" for equal numbers.
    """
    if value_pct is None:
        return f"n/a from {level}"
    word = "above" if value_pct > 0 else "below"
    for digits in (1, 2):
        shown = f"{abs(value_pct):.{digits}f}"
        if float(shown) != 0:
            return f"{shown}% {word} {level}"
    return f"just {word} {level}" if value_pct != 0 else f"at {level}"


# English names whatever the process's locale (strftime's %b and %B follow LC_TIME).
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip


def day(value: date | str) -> str:
    """``Jul 11, 2025``."""
    d = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{MONTHS[d.month - 1][:3]} {d.day}, {d.year}"


def month(value: date | str) -> str:
    """``July 2025``."""
    d = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{MONTHS[d.month - 1]} {d.year}"


def weeks_ago(weeks: int) -> str:
    """``this week``, ``last week``, ``6 weeks ago``."""
    return "this week" if weeks == 0 else "last week" if weeks == 1 else f"{weeks} weeks ago"


def weeks(count: int) -> str:
    """``1 week``, ``3 weeks``."""
    return f"{count} week" if count == 1 else f"{count} weeks"


def span(weeks: int) -> str:
    """A length of time in weeks or years: ``18 weeks``, ``2.5 years``."""
    return f"{weeks} weeks" if weeks < 52 else f"{weeks / 52:.1f} years"


def base_phrase(length_weeks: int | None, wording: str | None, *, relative: bool = False) -> str:
    """``a massive 4.2-year base``, ``a 2.4-year base``, ``a 30-week base`` (``relative base``)."""
    weeks = length_weeks or 0
    noun = "relative base" if relative else "base"
    length = f"{weeks / 52:.1f}-year" if weeks >= 52 else f"{weeks}-week"
    if wording == "massive base":
        return f"a massive {length} {noun}"
    return f"a {length} {noun}"


def base_of(event: Event) -> str:
    """The base phrase of a base breakout event."""
    return base_phrase(
        event.detail.get("length_weeks"), event.detail.get("wording"), relative=event.kind.startswith("rel_")
    )


def state_base(state: BaseState, *, relative: bool = False) -> str:
    """The base phrase of a base state."""
    return base_phrase(state.length_weeks, state.wording, relative=relative)


def subject(ticker: str, name: str) -> str:
    """``PSCT (Small-cap technology)``, or the ticker alone when it has no other name."""
    if not name or name == ticker:
        return ticker
    # "Russell 2000 (small caps)" reads "IWM (Russell 2000, small caps)", not nested brackets.
    return f"{ticker} ({name.replace(' (', ', ').replace(')', '')})"
