"""How stories say things: names, verbs that agree with them, and numbers as a reader expects.

LETTER.md's voice rules live here, so every story kind follows them the same way: prices to the
cent, moves as percent to one decimal (never ``0.0%``: a move that rounds to nothing is said in
words), lengths in weeks under a year and in years (one decimal) above, dates as ``Jul 5, 2024``
or ``July 2024``, and never "above" for two numbers that print the same.
"""

from __future__ import annotations

import re

# Dates are worded as the signals word them (one rule for the whole letter).
from generator.signals.wording import day as day
from generator.signals.wording import month as month


def price(value: float) -> str:
    """A price to the cent with thousands separators: ``1,234.50``."""
    return f"{value:,.2f}"


def pct(value: float) -> str:
    """An unsigned percent to one decimal: ``3.2%`` (callers never pass what rounds to 0.0)."""
    return f"{abs(value):.1f}%"


def signed(value: float) -> str:
    """A signed percent to one decimal: ``+3.2%``, ``-0.4%``."""
    return f"{value:+.1f}%"


def rounds_to_zero(value: float | None) -> bool:
    """True when ``value`` would print as 0.0%: say it in words instead."""
    return value is None or abs(value) < 0.05


def same_price(a: float, b: float) -> bool:
    """True when two prices print the same to the cent (neither is above the other for a reader)."""
    return price(a) == price(b)


def span(weeks: int) -> str:
    """``18 weeks``, ``1 week``, ``2.5 years`` (weeks under a year, years to one decimal above)."""
    if weeks < 52:
        return "1 week" if weeks == 1 else f"{weeks} weeks"
    years = weeks / 52
    return "1 year" if round(years, 1) == 1.0 else f"{years:.1f} years"


def span_adj(weeks: int) -> str:
    """``18-week``, ``2.5-year`` (as an adjective)."""
    if weeks < 52:
        return f"{weeks}-week"
    years = round(weeks / 52, 1)
    return f"{years:g}-year" if years != int(years) else f"{int(years)}-year"


def ordinal_week(count: int) -> str:
    """``second``, ``third``, ... ``10th`` (for "a record for a third week")."""
    words = {
        2: "second",
        3: "third",
        4: "fourth",
        5: "fifth",
        6: "sixth",
        7: "seventh",
        8: "eighth",
        9: "ninth",
    }
    if count in words:
        return words[count]
    suffix = "th" if 10 <= count % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(count % 10, "th")
    return f"{count}{suffix}"


def count_word(count: int) -> str:
    """``two``, ``three`` ... ``nine``, then digits (counts are words in prose, not measured numbers)."""
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    return words[count] if 0 <= count < len(words) else str(count)


def times(count: int) -> str:
    """``once``, ``twice``, ``three times``."""
    return {1: "once", 2: "twice"}.get(count, f"{count_word(count)} times")


def is_plural(name: str) -> bool:
    """True for a name that takes a plural verb: "Small caps", "Utilities", "Small-cap materials".

    The last word ends in ``s`` but not in ``ss`` or ``ics`` ("ARK Genomics" is one fund), and
    the name is not a fund's brand (starting with a capitalised brand word such as "ARK").
    """
    words = re.sub(r"\s*\([^)]*\)$", "", name).split()
    if not words:
        return False
    last = words[-1].lower()
    if words[0].isupper() and len(words[0]) > 1:  # "ARK Genomics", "SPDR ..."
        return False
    return last.endswith("s") and not last.endswith(("ss", "ics"))


def verb(name: str, singular: str, plural: str) -> str:
    """The verb form that agrees with ``name``."""
    return plural if is_plural(name) else singular


def possessive(name: str) -> str:
    """``its`` or ``their``."""
    return "their" if is_plural(name) else "its"


def lower_name(name: str) -> str:
    """A name as it reads mid-sentence: "small-cap technology", but "Russell Midcap", "ARK Fintech".

    The first letter is lowered only when no other capital or digit shows it is a proper name.
    """
    if not name or re.search(r"[A-Z0-9]", name[1:]):
        return name
    return name[0].lower() + name[1:]


def upper_first(text: str) -> str:
    """``text`` with its first letter capitalised (sentence starts)."""
    return text[:1].upper() + text[1:]


def subject(ticker: str, name: str) -> str:
    """``Small-cap technology (PSCT)`` at the start of a sentence; the ticker alone without a name."""
    if not name or name == ticker:
        return ticker
    return f"{upper_first(name)} ({ticker})"


def mention(ticker: str, name: str) -> str:
    """``small-cap technology (PSCT)`` inside a sentence."""
    if not name or name == ticker:
        return ticker
    return f"{lower_name(name)} ({ticker})"


def join_words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
