"""What every price source gives: the ``PriceSource`` protocol, its result, and bar helpers.

A source returns normalised daily bars per ticker (tz-naive ``datetime64[ns]`` index named
``date``, sorted and unique; columns ``open high low close adj_close volume`` as float64 with
NaN where it has none; upper-case tickers) and the tickers it could not get, each with its
reason. A source with one close only fills both ``close`` and ``adj_close`` with it, lists
the ticker in ``SourceResult.one_close`` and adds a ``one_close`` DataNote (DESIGN.md
principle 2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from generator.data.prices import BAR_COLUMNS, DataNote

DAY_NS = 86_400_000_000_000
NEW_YORK = ZoneInfo("America/New_York")  # the exchange clock
# Progress callbacks receive how many tickers were just finished.
TickerProgress = Callable[[int], None]


@dataclass(frozen=True)
class FetchFailure:
    """A ticker the source could not deliver, and why."""

    ticker: str
    reason: str

    def __str__(self) -> str:
        return f"{self.ticker} ({self.reason})"


@dataclass(frozen=True)
class SourceResult:
    """What a fetch returns: bars per ticker, failures, and what it noticed on the way."""

    bars: dict[str, pd.DataFrame]
    failures: list[FetchFailure] = field(default_factory=list)
    one_close: frozenset[str] = frozenset()
    notes: list[DataNote] = field(default_factory=list)


class PriceSource(Protocol):
    """A place daily bars come from."""

    name: str
    label: str
    synthetic: bool
    # The session calendar the bars follow: "XNYS" (NYSE, holidays included) or "weekdays"
    # (the synthetic demo set trades every weekday). The data checks use it to find gaps.
    calendar: str

    def fetch(self, tickers: Sequence[str], start: date, end: date | None = None) -> SourceResult:
        """Bars for ``tickers`` from ``start`` (inclusive) to ``end`` (exclusive; None = all)."""
        ...

    def default_end(self) -> date | None:
        """The exclusive end a fetch uses when none is given (None: everything it has)."""
        ...

    def fingerprints(self, tickers: Sequence[str]) -> dict[str, str]:
        """A cheap digest per ticker of what the source would deliver; unchanged = nothing new.

        Sources that cannot tell without fetching return ``{}``.
        """
        ...

    def available_tickers(self) -> list[str] | None:
        """Every ticker the source holds, when it can list them (a CSV folder's files); else None."""
        ...


def new_york_day(now: datetime) -> date:
    """The date of ``now`` (an aware time) on the New York exchange clock."""
    return now.astimezone(NEW_YORK).date()


def empty_bars() -> pd.DataFrame:
    """A zero-row frame with the normalised bar columns."""
    index = pd.DatetimeIndex([], name="date").as_unit("ns")
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in BAR_COLUMNS}, index=index)


def normalise_bars(frame: pd.DataFrame) -> pd.DataFrame:
    """Bar columns in order as float64 on a sorted, unique, tz-naive ``datetime64[ns]`` index.

    Rows without a close are dropped (a day missing for one ticker in a multi-ticker
    download is an all-NaN row, SIGNALS.md §5.5 item 3); a missing ``adj_close`` is not
    filled here: one-close sources fill it themselves and say so.
    """
    out = frame.reindex(columns=list(BAR_COLUMNS)).astype("float64")
    index = pd.DatetimeIndex(out.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    stamps = index.as_unit("ns").asi8
    days = stamps - stamps % DAY_NS  # midnight of each date (cheaper than normalize(), no freq inference)
    out.index = pd.DatetimeIndex(days.view("datetime64[ns]"), name="date")
    out = out.loc[out["close"].notna()]
    if not out.index.is_monotonic_increasing:
        out = out.sort_index(kind="stable")
    if out.index.has_duplicates:
        out = out.loc[~out.index.duplicated(keep="last")]
    out.columns.name = None
    return out


def window(frame: pd.DataFrame, start: date, end: date | None) -> pd.DataFrame:
    """Rows with ``start <= date < end`` (``end`` None: no upper bound)."""
    mask = frame.index >= pd.Timestamp(start)
    if end is not None:
        mask &= frame.index < pd.Timestamp(end)
    return frame.loc[np.asarray(mask)]
