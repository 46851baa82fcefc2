"""Fakes of yfinance 1.x with its exact frame shapes (SIGNALS.md §5.1, §6.2), for offline tests."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

YF_FIELDS = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]  # yf.download sorts level 0


def truth_bars(
    ticker: str, first: str = "2024-01-02", last: str = "2024-03-28", *, seed: int = 1
) -> pd.DataFrame:
    """Plausible daily bars: a random walk, adjusted close below the quoted close by a dividend factor."""
    days = pd.bdate_range(first, last)
    rng = np.random.default_rng([seed, sum(map(ord, ticker))])
    close = np.round(100 * np.exp(np.cumsum(0.01 * rng.standard_normal(len(days)))), 2)
    return pd.DataFrame(
        {
            "Open": close * 0.998,
            "High": close * 1.01,
            "Low": close * 0.99,
            "Close": close,
            "Adj Close": np.round(close * 0.98, 4),
            "Volume": rng.integers(1_000_000, 5_000_000, len(days)).astype("float64"),
        },
        index=days,
    )


def download_frame(parts: dict[str, pd.DataFrame | None]) -> pd.DataFrame:
    """What ``yf.download(..., group_by="column", auto_adjust=False)`` returns for ``parts``.

    ``None`` stands for a ticker that failed: yfinance gives it an all-NaN column. The index is
    the union of all dates, named ``Date``, ``datetime64[us]`` (pandas 3); columns are the
    ``(Price, Ticker)`` MultiIndex with fields sorted, even for a single ticker.
    """
    good = [f for f in parts.values() if f is not None and not f.empty]
    index = good[0].index if good else pd.DatetimeIndex([])
    for frame in good[1:]:
        index = index.union(frame.index)
    index = pd.DatetimeIndex(index, name="Date").as_unit("us")
    tickers = sorted(parts)
    columns = pd.MultiIndex.from_product([YF_FIELDS, tickers], names=["Price", "Ticker"])
    data = pd.DataFrame(np.nan, index=index, columns=columns)
    for ticker, frame in parts.items():
        if frame is None:
            continue
        for field in YF_FIELDS:
            data[(field, ticker)] = frame[field].reindex(index)
    return data


class FakeYahoo:
    """A fake Yahoo: per-ticker truth, rate limits and failures, with a record of every call."""

    def __init__(self, truth: dict[str, pd.DataFrame]) -> None:
        self.truth = truth
        self.batch_failures: set[str] = set()  # all-NaN in yf.download (logged, not raised)
        self.rate_limited: dict[str, int] = {}  # ticker -> how many history() calls raise 429
        self.downloads: list[tuple[list[str], date, date]] = []
        self.histories: list[tuple[str, date, date]] = []
        self.drop_days: dict[str, list[str]] = {}

    def _slice(self, ticker: str, start: date, end: date) -> pd.DataFrame | None:
        frame = self.truth.get(ticker)
        if frame is None:
            return None
        cut = frame.loc[(frame.index >= pd.Timestamp(start)) & (frame.index < pd.Timestamp(end))]
        drop = [pd.Timestamp(d) for d in self.drop_days.get(ticker, [])]
        return cut.drop(index=[d for d in drop if d in cut.index])

    def download(
        self, tickers: list[str], *, start: date, end: date, threads: int, timeout_s: float
    ) -> pd.DataFrame:
        self.downloads.append((list(tickers), start, end))
        parts: dict[str, pd.DataFrame | None] = {}
        failed = []
        for ticker in {t.upper() for t in tickers}:
            part = None if ticker in self.batch_failures else self._slice(ticker, start, end)
            if part is None or part.empty:
                failed.append(ticker)
                part = None
            parts[ticker] = part
        if failed:
            logger = logging.getLogger("yfinance")
            logger.error("\n%d Failed download%s:", len(failed), "s" if len(failed) > 1 else "")
            reason = (
                "YFRateLimitError('Too Many Requests. Rate limited. Try after a while.')"
                if any(t in self.batch_failures for t in failed)
                else "possibly delisted; no price data found"
            )
            logger.error(f"{sorted(failed)}: " + reason)
        if all(p is None for p in parts.values()):
            return download_frame({t: None for t in parts})
        return download_frame(parts)

    def history(self, ticker: str, *, start: date, end: date, timeout_s: float) -> pd.DataFrame:
        from yfinance.exceptions import YFRateLimitError

        self.histories.append((ticker, start, end))
        left = self.rate_limited.get(ticker, 0)
        if left:
            self.rate_limited[ticker] = left - 1
            raise YFRateLimitError()
        part = self._slice(ticker, start, end)
        if part is None or part.empty:
            return pd.DataFrame(columns=["Open", "High", "Low", "Close", "Adj Close", "Volume"])
        local = part.copy()
        local.index = pd.DatetimeIndex(local.index, name="Date").tz_localize("America/New_York")
        return local


def sleeps() -> tuple[list[float], callable]:  # type: ignore[valid-type]
    """A recording sleep: (the list it fills, the function)."""
    waited: list[float] = []
    return waited, waited.append


def upper(tickers: Iterable[str]) -> list[str]:
    return sorted(t.upper() for t in tickers)
