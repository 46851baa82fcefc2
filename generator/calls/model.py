"""A call as the letter publishes it: its front-matter schema, parsed and validated.

A call is a position the letter takes, ``long IWM vs IWB`` (relative) or ``long ARKX``
(absolute), with an invalidation (a price ``stop`` or a ``stop_pct`` return) and a horizon
in weeks. ``parse_call`` refuses anything malformed, naming the issue and the call.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from generator.errors import DraftError
from generator.signals.wording import versus

MAX_HORIZON_WEEKS = 520  # ten years: a longer call could never be scored in a reader's lifetime of the letter
CALL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._^=-]*$")
POSITION = re.compile(r"^\s*(long|short)\s+([A-Za-z0-9.\-^=]+)(?:\s+vs\.?\s+([A-Za-z0-9.\-^=]+))?\s*$", re.I)


@dataclass(frozen=True)
class Call:
    """One call as published in an issue's front matter."""

    id: str  # unique across all issues, e.g. 2025-10-17-long-iwm-vs-iwb
    direction: str  # long or short
    ticker: str  # the instrument held
    benchmark: str | None  # the instrument it is held against (relative calls), or none
    category: str  # size, sectors, thematic... (the ledger groups by it)
    thesis: str  # the thesis in one line
    entry: dict[str, float]  # quoted closes of each leg at the publication close
    horizon_weeks: int  # the call expires after this many weeks
    stop: float | None = None  # quoted-price level (absolute calls): a weekly close through it invalidates
    stop_pct: float | None = None  # return in percent, e.g. -4.0: a daily close below it invalidates
    issue_date: date | None = None  # the as-of date of the issue that published it
    issue_slug: str | None = None  # that issue's slug

    @property
    def position(self) -> str:
        """``long IWM vs IWB`` / ``long ARKX``."""
        text = f"{self.direction} {self.ticker}"
        return f"{text} vs {self.benchmark}" if self.benchmark else text

    @property
    def relative(self) -> bool:
        """True for a pair call."""
        return self.benchmark is not None

    def to_front_matter(self) -> dict[str, Any]:
        """The dict written under ``calls:`` in an issue."""
        data: dict[str, Any] = {
            "id": self.id,
            "position": self.position,
            "category": self.category,
            "thesis": self.thesis,
            "entry": dict(self.entry),
            "horizon_weeks": self.horizon_weeks,
        }
        if self.stop is not None:
            data["stop"] = self.stop
        if self.stop_pct is not None:
            data["stop_pct"] = self.stop_pct
        return data


def parse_call(raw: Any, *, known_tickers: Iterable[str], where: str) -> Call:
    """Validate one front-matter call; raise DraftError naming the issue and the call."""
    known = set(known_tickers)
    if not isinstance(raw, Mapping):
        raise DraftError(f"{where}: a call must be a mapping with id, position, stop, horizon_weeks")
    call_id = str(raw.get("id") or "").strip()
    label = f"{where}: call {call_id if CALL_ID.match(call_id) else repr(call_id) if call_id else '(no id)'}"
    problems: list[str] = []
    if not call_id:
        problems.append("missing id")
    elif not CALL_ID.match(call_id):
        problems.append("its id may hold only letters, digits, '.', '_', '^', '=' and '-' (it names a page)")
    match = POSITION.match(str(raw.get("position", "")))
    if not match:
        problems.append(f"position {raw.get('position')!r} is not 'long T', 'short T' or 'long T vs B'")
        direction, ticker, benchmark = "long", "?", None
    else:
        direction = match.group(1).lower()
        ticker = match.group(2).upper()
        benchmark = match.group(3).upper() if match.group(3) else None
        for symbol in filter(None, (ticker, benchmark)):
            if symbol not in known:
                problems.append(f"unknown instrument {symbol} (not in newsletter.toml)")
        if benchmark == ticker:
            problems.append(f"a relative call needs two different instruments, got {ticker} twice")
    horizon = raw.get("horizon_weeks")
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 0 < horizon <= MAX_HORIZON_WEEKS:
        problems.append(
            f"horizon_weeks must be a whole number of weeks from 1 to {MAX_HORIZON_WEEKS}, got {horizon!r}"
        )
    stop, stop_pct = raw.get("stop"), raw.get("stop_pct")
    if stop is None and stop_pct is None:
        problems.append("no invalidation: give stop (a price) or stop_pct (a return in %)")
    if stop is not None and (not _is_number(stop) or float(stop) <= 0):
        problems.append(f"stop must be a positive price, got {stop!r}")
    if stop is not None and benchmark is not None:
        problems.append("a relative call takes stop_pct (a relative return), not a price stop")
    if stop_pct is not None and (not _is_number(stop_pct) or float(stop_pct) >= 0):
        problems.append(f"stop_pct must be a negative percent such as -4, got {stop_pct!r}")
    entry = raw.get("entry") or {}
    if not isinstance(entry, Mapping) or not all(_is_number(v) and float(v) > 0 for v in entry.values()):
        problems.append("entry must map tickers to their closes (positive prices)")
        entry = {}
    for name in ("category", "thesis"):
        if raw.get(name) is not None and not is_text(raw.get(name)):
            problems.append(f"{name} must be text, got {raw.get(name)!r}")
    if problems:
        raise DraftError(f"{label}: " + "; ".join(problems))
    return Call(
        id=call_id,
        direction=direction,
        ticker=ticker,
        benchmark=benchmark,
        category=str(raw.get("category") or "other"),
        thesis=str(raw.get("thesis") or ""),
        entry={str(k).upper(): float(v) for k, v in entry.items()},
        horizon_weeks=int(horizon),  # type: ignore[arg-type]
        stop=float(stop) if stop is not None else None,
        stop_pct=float(stop_pct) if stop_pct is not None else None,
    )


def stop_problems(call: Call) -> list[str]:
    """A stop that cannot work as written (pure; checked at publish, not at build, so a post an
    older version published still builds): a price stop on the wrong side of the entry (a
    long's above it, a short's below it), which the first weekly close would read as
    "invalidated", or a long's ``stop_pct`` at -100% or lower, which no return can reach.
    """
    problems: list[str] = []
    entry = call.entry.get(call.ticker)
    if call.stop is not None and entry is not None and not call.relative:
        if call.direction == "long" and call.stop > entry:
            problems.append(
                f"its stop {call.stop:,.2f} is above its entry {entry:,.2f}: a long call is stopped by a "
                "weekly close below its stop, so it would read as invalidated at once"
            )
        if call.direction == "short" and call.stop < entry:
            problems.append(
                f"its stop {call.stop:,.2f} is below its entry {entry:,.2f}: a short call is stopped by a "
                "weekly close above its stop, so it would read as invalidated at once"
            )
    if call.stop_pct is not None and call.direction == "long" and call.stop_pct <= -100.0:
        problems.append(
            f"stop_pct {call.stop_pct:g} can never be reached: a long position cannot lose 100% or more"
        )
    return problems


def entry_problems(
    call: Call, closes: Mapping[str, tuple[date, float]], *, tolerance_pct: float, source: str
) -> list[str]:
    """Each leg's ``entry`` against the quoted close it records (pure).

    ``closes`` maps each leg to its last quoted close on or before the issue's as-of date and
    that session (the close drafts write, DESIGN.md "Two price bases": levels are quoted). An
    entry further than ``tolerance_pct`` from it is a typo (14.774 for 147.74 would be scored
    as a split); a missing leg, or a ticker the call does not hold, is refused too.
    """
    problems: list[str] = []
    legs = [call.ticker] + ([call.benchmark] if call.benchmark else [])
    for ticker in legs:
        day, close = closes[ticker]
        value = call.entry.get(ticker)
        if value is None:
            problems.append(f"entry has no close for {ticker} (the close of {day} was {close:,.2f})")
            continue
        off_pct = 100.0 * (value / close - 1.0)
        if abs(off_pct) > tolerance_pct:
            problems.append(
                f"entry {ticker} {value:g} is {versus(off_pct, f'the close of {day}')} ({close:,.2f} in the "
                f"store of {source}; tolerance {tolerance_pct:g}%, [issue] entry_tolerance_pct)"
            )
    problems += [f"entry names {t}, which the call does not hold" for t in call.entry if t not in legs]
    return problems


def is_text(value: Any) -> bool:
    """A front-matter value that reads as text: a string, a number or a date, never a bool or a list."""
    return isinstance(value, (str, int, float, date)) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    """A finite int or float (not a bool); an int too large for a float is not a number."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def horizon_end(call: Call, published_on: date) -> date:
    """The calendar day the call expires: publication day + ``horizon_weeks`` weeks."""
    return published_on + timedelta(weeks=call.horizon_weeks)
