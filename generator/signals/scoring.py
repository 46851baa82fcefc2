"""Headline scoring: base scores, decay, and the numbers behind a sentence."""

from __future__ import annotations

from generator.signals.report import Event, Headline

BASE_SCORES = {"massive base": 92.0, "multi-year base": 88.0, "base": 80.0}
DECAY_PER_WEEK = 20.0  # a weekly letter leads with this week's events
FRESH_WEEKS = 1  # event stories older than this are left to the state stories
# A quadrant change is frequent (several a week across 30 ETFs): below base and breakout stories.
ROTATION_SCORES = {"Leading": 53.0, "Lagging": 47.0, "Improving": 45.0, "Weakening": 43.0}


def staleness(weeks_in_band: int | None) -> float:
    """A state story is less news each week it lasts: -1 a week after the third, at most -10."""
    return float(min(max((weeks_in_band or 0) - 3, 0), 10))


def fresh(events: list[Event], kind: str) -> Event | None:
    """The latest notable event of ``kind`` from this week or last, if any."""
    found = [e for e in events if e.kind == kind and e.notable and e.weeks_ago <= FRESH_WEEKS]
    return min(found, key=lambda e: e.weeks_ago) if found else None


def event_numbers(event: Event) -> dict[str, float | str | None]:
    """The figures behind an event sentence."""
    numbers: dict[str, float | str | None] = {
        "level": event.level,
        "close": event.close,
        "weeks_ago": event.weeks_ago,
        "day": event.day.isoformat(),
    }
    for key in ("margin_pct", "prior_high_day", "pct_from_level", "pct_from_ceiling"):
        if key in event.detail:
            numbers[key] = event.detail[key]
    return numbers


def base_numbers(event: Event) -> dict[str, float | str | None]:
    """The figures behind a base-breakout sentence."""
    numbers = event_numbers(event)
    for key in ("length_weeks", "length_years", "floor", "depth_pct", "touches", "start_day", "wording"):
        numbers[key] = event.detail[key]
    return numbers


def headline(
    title: str,
    text: str,
    score: float,
    kind: str,
    tickers: list[str],
    category: str,
    numbers: dict[str, float | str | None],
) -> Headline:
    """A Headline with its score rounded to 2 decimals."""
    return Headline(title, text, round(score, 2), kind, tickers, category, numbers)
