"""Real ETF closes from ../shared/data for tests (read in place, never copied into the repo)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

from generator.data.prices import PriceHistory, history_from_bars
from tests.conftest import shared_folder


@lru_cache(maxsize=4)
def _adjusted_closes(tickers: tuple[str, ...]) -> PriceHistory:
    folder = shared_folder("adjusted-closes")
    bars = {}
    for ticker in tickers:
        frame = pd.read_csv(folder / f"{ticker}.csv", parse_dates=["Date"], index_col="Date")
        frame.index = pd.DatetimeIndex(frame.index, name="date").as_unit("ns")
        # One close only (split- and dividend-adjusted): it serves both price bases.
        bars[ticker] = pd.DataFrame({"close": frame["Close"], "adj_close": frame["Close"]})
    return history_from_bars(bars, one_close=tickers, source_label="adjusted-closes (test)")


def adjusted_closes(tickers: Iterable[str]) -> PriceHistory:
    """A PriceHistory of ``tickers`` from ``prices/adjusted-closes`` (skips when absent)."""
    return _adjusted_closes(tuple(sorted(set(tickers))))
