"""Which week an issue is of: issues are computed as of a Friday's close.

A day that is not a Friday drafts the week ending the Friday before it; a holiday Friday is
read at Thursday's close (the last session on or before it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import pandas as pd

from generator.data.prices import PriceHistory
from generator.errors import ConfigError, DataError


def last_friday(day: date) -> date:
    """The Friday on or before ``day``."""
    return day - timedelta(days=(day.weekday() - 4) % 7)


def issue_fridays(first: date, last: date) -> list[date]:
    """Every Friday from ``first`` to ``last`` inclusive."""
    return [d.date() for d in pd.date_range(first, last, freq="W-FRI")]


def first_friday(day: date) -> date:
    """The Friday on or after ``day``."""
    return day + timedelta(days=(4 - day.weekday()) % 7)


def before_the_data(friday: date, prices: PriceHistory) -> bool:
    """Draft's rule: a week ending before the first stored price cannot be drafted."""
    return friday < prices.first_day


def not_in_the_store(friday: date, prices: PriceHistory) -> bool:
    """Draft's rule: a week is complete once the store holds its Friday's close, or Thursday's
    (a holiday Friday is read at Thursday's close).
    """
    return (friday - prices.last_day).days > 1


def _weeks(fridays: Sequence[date]) -> str:
    """``the week ending X is`` / ``the weeks ending X to Y are``."""
    if len(fridays) == 1:
        return f"the week ending {fridays[0]} is"
    return f"the weeks ending {fridays[0]} to {fridays[-1]} are"


def range_fridays(first: date, last: date) -> list[date]:
    """The Fridays from ``first`` to ``last``; ConfigError when the range is reversed or holds none."""
    if first > last:
        raise ConfigError("--from must be on or before --to")
    fridays = issue_fridays(first, last)
    if not fridays:
        before = last_friday(first)
        raise ConfigError(
            f"--from {first} --to {last} holds no Friday (issues are dated Fridays: the nearest are "
            f"{before} and {before + timedelta(weeks=1)})"
        )
    return fridays


def backfill_fridays(first: date, last: date, prices: PriceHistory) -> list[date]:
    """The Fridays from ``first`` to ``last``, each a week `rotation draft` would draft, or one
    error for the whole range (so nothing is drafted): no Friday in it, weeks before the first
    stored price, weeks the store does not hold yet.
    """
    fridays = range_fridays(first, last)
    early = [d for d in fridays if before_the_data(d, prices)]
    if early:
        raise DataError(
            f"--from {first}: {_weeks(early)} before the first stored price ({prices.first_day}); "
            f"give --from {first_friday(prices.first_day)} or later"
        )
    late = [d for d in fridays if not_in_the_store(d, prices)]
    if late:
        raise DataError(
            f"--to {last}: {_weeks(late)} not complete in the store (the last stored price is "
            f"{prices.last_day}); run `rotation fetch`, or give --to "
            f"{last_friday(prices.last_day + timedelta(days=1))} or earlier"
        )
    return fridays


def published_weeks(fridays: Sequence[date], published_days: Iterable[date]) -> list[date]:
    """The weeks of ``fridays`` that already have a published issue: a backfill leaves them alone."""
    published = set(published_days)
    return [f for f in fridays if f in published]


def last_fridays(last_day: date, weeks: int) -> list[date]:
    """The last ``weeks`` Fridays on or before ``last_day`` (the demo's issue weeks)."""
    fridays = issue_fridays(last_day - timedelta(weeks=weeks) + timedelta(days=1), last_day)
    return [d for d in fridays if d <= last_day][-weeks:]


def week_to_draft(prices: PriceHistory, as_of: date | None) -> date:
    """The Friday `rotation draft --as-of` drafts (default: the week of the last stored price).

    DataError when that week ends before the first stored price, or is not complete in the
    store yet (a holiday Friday is complete at Thursday's close).
    """
    day = last_friday(as_of or prices.last_day)
    asked = f"--as-of {as_of}: the week ending {day}" if as_of and as_of != day else f"the week ending {day}"
    if before_the_data(day, prices):
        raise DataError(f"{asked} is before the first stored price ({prices.first_day})")
    if not_in_the_store(day, prices):
        raise DataError(
            f"{asked} is not complete in the store (the last stored price is {prices.last_day}); "
            "run `rotation fetch`, or give an earlier --as-of"
        )
    return day


def history_as_of(prices: PriceHistory, as_of: date) -> PriceHistory:
    """The bars an issue as of ``as_of`` may read; DataError for a day before the first price."""
    if as_of < prices.first_day:
        raise DataError(f"--as-of {as_of} is before the first price ({prices.first_day})")
    return prices.as_of(as_of)
