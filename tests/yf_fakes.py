"""Fakes of yfinance 1.x with its exact frame shapes (SIGNALS.md §5.1, §6.2), for offline tests."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from generator.data.sources.yahoo import YahooSource

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


# What yfinance 1.7.0 (curl_cffi 0.17) logs with no network, recorded on an offline machine.
CURL_DNS = (
    "Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. "
    "See https://curl.se/libcurl/c/libcurl-errors.html first for more details."
)


class FakeYahoo:
    """A fake Yahoo: per-ticker truth, rate limits and failures, with a record of every call.

    ``offline`` plays yfinance 1.7 with no network, as it behaves: ``"cold"`` (no timezone
    cached: each ticker logs the curl DNS error and the batch is reported as ``DNSError(...)``)
    or ``"warm"`` (timezones cached from an earlier fetch: only "possibly delisted; no price
    data found" is logged). Either way ``download`` returns an empty frame that still has its
    ``(Price, Ticker)`` columns and ``history`` an empty frame; nothing raises. ``probe`` is
    the adapter's reachability check: the DNS error offline, None online.
    """

    def __init__(self, truth: dict[str, pd.DataFrame]) -> None:
        self.truth = truth
        self.batch_failures: set[str] = set()  # all-NaN in yf.download (logged, not raised)
        self.rate_limited: dict[str, int] = {}  # ticker -> how many history() calls raise 429
        self.downloads: list[tuple[list[str], date, date]] = []
        self.histories: list[tuple[str, date, date]] = []
        self.drop_days: dict[str, list[str]] = {}
        self.offline: str | None = None  # None, "cold" or "warm"
        self.probes = 0

    def probe(self, timeout_s: float) -> str | None:
        self.probes += 1
        return f"DNSError: {CURL_DNS}" if self.offline else None

    def _offline_download(self, tickers: list[str], start: date, end: date) -> pd.DataFrame:
        logger = logging.getLogger("yfinance")
        wanted = [t.upper() for t in tickers]
        window = f"(1d {start.isoformat()} -> {end.isoformat()})"
        for ticker in wanted:
            if self.offline == "cold":
                logger.error(f"Failed to get ticker '{ticker}' reason: {CURL_DNS}")
            else:
                logger.error(f"${ticker}: possibly delisted; no price data found  {window}")
        logger.error("\n%.f Failed download%s:", len(wanted), "s" if len(wanted) > 1 else "")
        reason = (
            f"DNSError('{CURL_DNS}')"
            if self.offline == "cold"
            else f"possibly delisted; no price data found  {window}"
        )
        logger.error(f"{wanted}: " + reason)
        columns = pd.MultiIndex.from_product([YF_FIELDS, sorted(wanted)], names=["Price", "Ticker"])
        return pd.DataFrame(
            index=pd.DatetimeIndex([], dtype="datetime64[s]"), columns=columns, dtype="float64"
        )

    def _offline_history(self, ticker: str) -> pd.DataFrame:
        logger = logging.getLogger("yfinance")
        if self.offline == "cold":
            logger.error(f"Failed to get ticker '{ticker}' reason: {CURL_DNS}")
            logger.error(f"${ticker}: possibly delisted; no timezone found")
        else:
            logger.error(f"${ticker}: possibly delisted; no price data found")
        return pd.DataFrame(columns=["Open", "High", "Low", "Close", "Adj Close", "Volume"])

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
        if self.offline:
            return self._offline_download(tickers, start, end)
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
        if self.offline:
            return self._offline_history(ticker)
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


def yahoo(fake: FakeYahoo, today: date) -> YahooSource:
    """A YahooSource over ``fake`` on ``today``, with no waiting."""
    return YahooSource(
        download=fake.download,
        history=fake.history,
        sleep=lambda s: None,
        today=today,
        probe=fake.probe,
    )
