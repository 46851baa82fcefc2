"""Which week an issue is of: issues are computed as of a Friday's close.

A day that is not a Friday drafts the week ending the Friday before it; a holiday Friday is
read at Thursday's close (the last session on or before it).
"""

from __future__ import annotations

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


def backfill_fridays(first: date, last: date) -> list[date]:
    """The weeks `rotation backfill --from first --to last` drafts; ConfigError if reversed."""
    if first > last:
        raise ConfigError("--from must be on or before --to")
    return issue_fridays(first, last)


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
    if day < prices.first_day:
        raise DataError(f"{asked} is before the first stored price ({prices.first_day})")
    if (day - prices.last_day).days > 1:  # a holiday Friday is read at Thursday's close
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
