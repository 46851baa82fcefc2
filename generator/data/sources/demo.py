"""The built-in synthetic demo set: plainly fake prices that tell a year of real stories.

A small factor model draws daily log returns from a seed::

    r_i,t = beta_i * m_t + size_i * s_t + sector_i * f_sector(i),t + theme_i * g_t + e_i,t

with a two-state volatility regime (calm / stressed) scaling every factor. On top of it,
scripted episodes pin some paths to anchor levels with Brownian bridges built from the same
returns (so the paths keep their market correlation), folded into a band where a base is
wanted. The year before 2026-06-30 then holds: a small- vs large-cap relative breakout
(IWM/IWB, October 2025), a multi-year base attempted and then completed (PSCT, January
2026), an all-time-high breakout after a base (ARKX, October 2025), a failed breakout (XLE,
February-March 2026) and a sector rotating through all four RRG quadrants (XLF).

Prices are rounded to cents so the same seed gives the same numbers on every machine.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from generator.data.sources.base import FetchFailure, SourceResult
from generator.data.sources.demo_universe import (
    DemoStock,
    Profile,
    calibrate_volume,
    demo_stocks,
    short_interest_pct,
    stock_profiles,
    universe_snapshot,
)

DEMO_FIRST_DAY = date(2014, 1, 2)
DEMO_LAST_DAY = date(2026, 6, 30)
DEMO_LABEL = "Synthetic demo data (not real prices)"

SECTORS = ("XLB", "XLC", "XLE", "XLF", "XLI", "XLK", "XLP", "XLRE", "XLU", "XLV", "XLY")


@dataclass(frozen=True)
class Anchor:
    """The path reaches ``level`` on ``day``; with ``band`` it stays inside it on the way."""

    day: date
    level: float
    band: tuple[float, float] | None = None
    noise: float = 1.0


def _sector(ticker: str, price: float, beta: float, yield_pct: float, **kw: float) -> Profile:
    return Profile(price, beta=beta, sector=ticker, sector_load=1.0, yield_pct=yield_pct, **kw)  # type: ignore[arg-type]


def _smallcap(parent: str, price: float) -> Profile:
    return Profile(
        price, beta=1.05, size=1.0, sector=parent, sector_load=0.9, idio_vol=0.007, yield_pct=1.1, volume=2e5
    )


PROFILES: dict[str, Profile] = {
    "SPY": Profile(183.0, beta=1.0, idio_vol=0.0003, yield_pct=1.5, volume=8e7),
    "IWB": Profile(101.0, beta=1.0, idio_vol=0.0006, yield_pct=1.4, volume=1e6),
    "IWR": Profile(141.0, beta=1.03, size=0.45, idio_vol=0.0015, yield_pct=1.4, volume=1e6),
    "IWM": Profile(114.0, beta=1.0, size=1.0, idio_vol=0.0008, yield_pct=1.2, volume=3e7),
    "IWC": Profile(70.0, beta=1.05, size=1.3, idio_vol=0.004, yield_pct=1.0, volume=1e5),
    "XLB": _sector("XLB", 46.0, 1.05, 2.0),
    "XLC": _sector("XLC", 50.0, 1.0, 0.9, inception=date(2018, 6, 19)),  # type: ignore[arg-type]
    "XLE": _sector("XLE", 88.0, 1.1, 3.4),
    "XLF": _sector("XLF", 22.0, 1.1, 1.8),
    "XLI": _sector("XLI", 52.0, 1.0, 1.7),
    "XLK": _sector("XLK", 35.0, 1.1, 0.8),
    "XLP": _sector("XLP", 43.0, 0.6, 2.6),
    "XLRE": _sector("XLRE", 31.0, 0.8, 3.4, inception=date(2015, 10, 8)),  # type: ignore[arg-type]
    "XLU": _sector("XLU", 38.0, 0.5, 3.2),
    "XLV": _sector("XLV", 55.0, 0.8, 1.5),
    "XLY": _sector("XLY", 64.0, 1.1, 0.9),
    "PSCC": _smallcap("XLP", 48.0),
    "PSCD": _smallcap("XLY", 44.0),
    "PSCE": _smallcap("XLE", 38.0),
    "PSCF": _smallcap("XLF", 40.0),
    "PSCH": _smallcap("XLV", 50.0),
    "PSCI": _smallcap("XLI", 42.0),
    "PSCM": _smallcap("XLB", 41.0),
    "PSCT": _smallcap("XLK", 55.0),
    "PSCU": _smallcap("XLU", 39.0),
    "ARKK": Profile(20.0, beta=1.3, theme=1.0, idio_vol=0.006, yield_pct=0.0, inception=date(2014, 10, 31)),
    "ARKQ": Profile(20.0, beta=1.25, theme=0.9, idio_vol=0.007, yield_pct=0.0, inception=date(2014, 9, 30)),
    "ARKW": Profile(20.0, beta=1.3, theme=1.0, idio_vol=0.007, yield_pct=0.0, inception=date(2014, 9, 30)),
    "ARKG": Profile(20.0, beta=1.2, theme=1.0, idio_vol=0.009, yield_pct=0.0, inception=date(2014, 10, 31)),
    "ARKF": Profile(20.0, beta=1.3, theme=0.9, idio_vol=0.008, yield_pct=0.0, inception=date(2019, 2, 4)),
    "ARKX": Profile(
        20.0,
        beta=1.1,
        theme=0.7,
        sector="XLI",
        sector_load=0.4,
        idio_vol=0.007,
        yield_pct=0.0,
        inception=date(2021, 3, 30),
    ),
    "UFO": Profile(
        25.0,
        beta=1.0,
        theme=0.5,
        sector="XLI",
        sector_load=0.5,
        idio_vol=0.006,
        yield_pct=0.6,
        inception=date(2019, 4, 11),
    ),
}

# The market factor follows the broad shape of 2014-2026 (levels of a SPY-like index, in
# log units from 183): the 2020 crash, the 2022 bear market, new highs from 2024.
MARKET_ANCHORS = tuple(
    Anchor(day, float(np.log(level / 183.0)))
    for day, level in (
        (date(2015, 5, 20), 212.0),
        (date(2016, 2, 11), 181.0),
        (date(2018, 1, 26), 286.0),
        (date(2018, 12, 24), 234.0),
        (date(2020, 2, 19), 338.0),
        (date(2020, 3, 23), 222.0),
        (date(2021, 12, 31), 475.0),
        (date(2022, 10, 12), 357.0),
        (date(2024, 3, 28), 523.0),
        (date(2025, 4, 8), 496.0),
        (date(2025, 7, 25), 637.0),
        (date(2026, 6, 30), 702.0),
    )
)

# Cumulative size factor (small minus large, in log units): a 2021 peak, a two-year slide, a
# base under -0.14 from mid-2023, and the relative breakout in October 2025.
SIZE_FACTOR_ANCHORS = (
    Anchor(date(2018, 8, 31), 0.03),
    Anchor(date(2020, 3, 20), -0.20),
    Anchor(date(2021, 3, 12), 0.05),
    Anchor(date(2023, 6, 30), -0.21),
    Anchor(date(2025, 10, 3), -0.16, band=(-0.245, -0.14)),
    Anchor(date(2025, 10, 17), -0.105),
    Anchor(date(2026, 3, 27), -0.03),
    Anchor(date(2026, 6, 30), -0.05),
)

# Quoted-price scripts (basis B), because bases and all-time highs are read on quoted closes.
SCRIPTS: dict[str, tuple[Anchor, ...]] = {
    # A massive base under 100 since November 2021, attempted from August, completed in January.
    "PSCT": (
        Anchor(date(2018, 8, 31), 84.0, band=(40.0, 90.0)),
        Anchor(date(2020, 3, 20), 50.0, band=(45.0, 90.0)),
        Anchor(date(2021, 11, 5), 100.0, band=(40.0, 100.0)),
        Anchor(date(2025, 7, 25), 88.0, band=(70.0, 100.0)),
        Anchor(date(2025, 8, 15), 97.6),
        Anchor(date(2026, 1, 2), 98.6, band=(97.1, 99.7), noise=0.35),
        Anchor(date(2026, 1, 9), 104.4),
        Anchor(date(2026, 3, 27), 117.0),
        Anchor(date(2026, 6, 30), 113.0),
    ),
    # Inception high, a 2022 collapse, a three-year base broken in July 2025, then the
    # all-time-high breakout in October 2025.
    "ARKX": (
        Anchor(date(2021, 4, 26), 22.6, band=(17.0, 22.6)),
        Anchor(date(2022, 6, 16), 12.0, band=(11.5, 22.3)),
        Anchor(date(2025, 6, 27), 16.2, band=(11.8, 17.0)),
        Anchor(date(2025, 7, 11), 19.4),
        Anchor(date(2025, 9, 26), 21.6, band=(18.6, 22.2)),
        Anchor(date(2025, 10, 3), 21.9, band=(20.8, 22.2)),
        Anchor(date(2025, 10, 10), 23.8),
        Anchor(date(2026, 2, 27), 27.6),
        Anchor(date(2026, 6, 30), 26.1),
    ),
    # A three-year range under 95, a breakout in February 2026 that fails within six weeks.
    "XLE": (
        Anchor(date(2016, 1, 20), 50.0, band=(45.0, 93.0)),
        Anchor(date(2018, 5, 22), 78.0, band=(45.0, 84.0)),
        Anchor(date(2020, 3, 23), 25.0, band=(24.0, 82.0)),
        Anchor(date(2022, 6, 8), 92.0, band=(20.0, 94.0)),
        Anchor(date(2026, 2, 6), 91.0, band=(76.0, 95.0)),
        Anchor(date(2026, 2, 13), 98.2),
        Anchor(date(2026, 2, 27), 99.3),
        Anchor(date(2026, 3, 27), 86.0),
        Anchor(date(2026, 6, 30), 89.5),
    ),
}

# XLF against SPY: a relative cycle of 26 weeks over the last 14 months, so it walks through
# Lagging, Improving, Leading and Weakening twice in the demo year.
XLF_CYCLE_START = date(2025, 5, 2)
XLF_CYCLE_WEEKS = 26
XLF_CYCLE_AMPLITUDE = 0.055


class DemoSource:
    """The ``demo`` source: deterministic synthetic bars for any ticker list."""

    name = "demo"
    label = DEMO_LABEL
    synthetic = True
    calendar = "weekdays"  # synthetic bars on every weekday, no exchange holidays

    def __init__(self, seed: int = 20260630) -> None:
        self.seed = seed
        self._cache: dict[str, pd.DataFrame] | None = None
        self._universe: tuple[list[DemoStock], pd.DataFrame, pd.DataFrame, pd.DataFrame] | None = None

    def default_end(self) -> date | None:
        """The demo set is fixed: everything it has."""
        return None

    def fingerprints(self, tickers: Sequence[str]) -> dict[str, str]:
        """None: the bars depend on the generator's code as well as the seed, so always compare."""
        return {}

    def available_tickers(self) -> list[str] | None:
        """Any ticker has demo bars: none to list (the configured ones are fetched)."""
        return None

    def snapshot_day(self, asked: date) -> date:
        """A universe snapshot is of ``asked``, at most the demo's last day."""
        return min(asked, DEMO_LAST_DAY)

    def rows(self, screen: object, day: date) -> pd.DataFrame:
        """The synthetic universe on ``day`` (unscreened: the screen is applied by the caller)."""
        return self.universe(day)

    def fetch(self, tickers: Sequence[str], start: date, end: date | None = None) -> SourceResult:
        """Synthetic bars for ``tickers`` between ``start`` and ``end`` (exclusive)."""
        frames = self.all_bars(tickers)
        out: dict[str, pd.DataFrame] = {}
        failures: list[FetchFailure] = []
        for ticker in tickers:
            frame = frames[ticker.upper()]
            window = frame.loc[frame.index >= pd.Timestamp(start)]
            if end is not None:
                window = window.loc[window.index < pd.Timestamp(end)]
            if window.empty:
                failures.append(FetchFailure(ticker.upper(), "no demo bars in the requested dates"))
            else:
                out[ticker.upper()] = window
        return SourceResult(bars=out, failures=failures)

    def universe(self, as_of: date) -> pd.DataFrame:
        """The synthetic stock universe as of ``as_of`` (at most the demo's last day), unscreened."""
        if self._universe is None:
            stocks = demo_stocks(self.seed)
            bars = self.all_bars([s.ticker for s in stocks])
            close = pd.DataFrame({s.ticker: bars[s.ticker]["close"] for s in stocks})
            volume = pd.DataFrame({s.ticker: bars[s.ticker]["volume"] for s in stocks})
            short = short_interest_pct(stocks, self.seed, DEMO_FIRST_DAY, DEMO_LAST_DAY)
            self._universe = (stocks, close, volume, short)
        stocks, close, volume, short = self._universe
        return universe_snapshot(stocks, close, volume, short, min(as_of, DEMO_LAST_DAY))

    def all_bars(self, tickers: Sequence[str]) -> dict[str, pd.DataFrame]:
        """Every demo bar for ``tickers`` (the default universe is always generated)."""
        wanted = [t.upper() for t in tickers]
        cache = self._cache if self._cache is not None else {}
        missing = [t for t in dict.fromkeys([*PROFILES, *wanted]) if t not in cache]
        if missing:
            # Each ticker's bars depend only on the seed and its own name: generate the new ones.
            cache.update(generate_demo_bars(missing, self.seed))
        self._cache = cache
        return cache


def demo_days() -> pd.DatetimeIndex:
    """Business days of the demo set (no exchange holidays: it is synthetic)."""
    return pd.bdate_range(DEMO_FIRST_DAY, DEMO_LAST_DAY, name="date").as_unit("ns")


def generate_demo_bars(tickers: Sequence[str], seed: int) -> dict[str, pd.DataFrame]:
    """Daily OHLCV + adjusted close per ticker from ``seed``; pure and deterministic."""
    days = demo_days()
    factors = _factors(len(days), seed, days)
    stocks = stock_profiles(tickers, seed)
    out: dict[str, pd.DataFrame] = {}
    for ticker in tickers:
        profile = PROFILES.get(ticker) or (
            stocks[ticker][0] if ticker in stocks else _generic_profile(ticker)
        )
        rng = np.random.default_rng([seed, zlib.crc32(ticker.encode())])
        returns = _ticker_returns(profile, factors, rng)
        log_close = _path(ticker, profile, returns, days, factors)
        out[ticker] = _bars(profile, log_close, returns, days, factors["vol"], rng)
        if ticker in stocks:
            out[ticker] = calibrate_volume(out[ticker], stocks[ticker][1])
    return out


def _generic_profile(ticker: str) -> Profile:
    """A plain market-like ETF for a ticker the demo has no story for."""
    crc = zlib.crc32(ticker.encode())
    return Profile(20.0 + crc % 180, beta=0.8 + (crc % 50) / 100, idio_vol=0.005, yield_pct=1.0)


def _factors(n_days: int, seed: int, days: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([seed, 0])
    # Two-state volatility regime: calm (x1) and stressed (x2.3), sticky Markov switching.
    switch = rng.random(n_days)
    stressed = np.zeros(n_days, dtype=bool)
    for i in range(1, n_days):  # sequential by nature; 3,000 steps cost microseconds
        stressed[i] = switch[i] > 0.04 if stressed[i - 1] else switch[i] < 0.008
    covid = (days >= pd.Timestamp("2020-02-24")) & (days <= pd.Timestamp("2020-05-29"))
    stressed |= np.asarray(covid)
    vol = np.where(stressed, 2.3, 1.0)
    market_free = 0.0085 * vol * rng.standard_normal(n_days)
    size = 0.0045 * vol * rng.standard_normal(n_days)
    theme = 0.011 * vol * rng.standard_normal(n_days)
    market_path = _anchored(0.0, market_free, days, MARKET_ANCHORS, log_levels=True)
    market = np.diff(market_path, prepend=0.0)
    factors = {"vol": vol, "market": market, "size": size, "theme": theme}
    for sector in SECTORS:
        factors[sector] = 0.0055 * vol * rng.standard_normal(n_days)
    factors["size_path"] = _anchored(0.0, size, days, SIZE_FACTOR_ANCHORS, log_levels=True)
    factors["size"] = np.diff(factors["size_path"], prepend=factors["size_path"][0])
    return factors


def _ticker_returns(profile: Profile, f: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    returns = profile.beta * f["market"] + profile.size * f["size"] + profile.theme * f["theme"]
    if profile.sector is not None:
        returns = returns + profile.sector_load * f[profile.sector]
    return returns + profile.idio_vol * f["vol"] * rng.standard_normal(len(returns))


def _path(
    ticker: str,
    profile: Profile,
    returns: np.ndarray,
    days: pd.DatetimeIndex,
    factors: dict[str, np.ndarray],
) -> np.ndarray:
    """Log quoted closes: free, or pinned to the ticker's script; NaN before inception."""
    start = 0 if profile.inception is None else int(days.searchsorted(pd.Timestamp(profile.inception)))
    log_close = np.full(len(days), np.nan)
    segment = returns[start:].copy()
    segment[0] = 0.0
    if ticker in SCRIPTS:
        log_close[start:] = _anchored(np.log(profile.start_price), segment, days[start:], SCRIPTS[ticker])
    else:
        log_close[start:] = np.log(profile.start_price) + np.cumsum(segment)
    if ticker == "XLF":
        log_close += _xlf_cycle(days)
    return log_close


def _xlf_cycle(days: pd.DatetimeIndex) -> np.ndarray:
    weeks = (days - pd.Timestamp(XLF_CYCLE_START)).days.to_numpy() / 7.0
    ramp = np.clip(weeks / 8.0, 0.0, 1.0)  # ease in over 8 weeks; no jump on the first day
    return np.where(weeks > 0, ramp * XLF_CYCLE_AMPLITUDE * np.sin(2 * np.pi * weeks / XLF_CYCLE_WEEKS), 0.0)


def _anchored(
    start_log: float,
    returns: np.ndarray,
    days: pd.DatetimeIndex,
    anchors: Sequence[Anchor],
    *,
    log_levels: bool = False,
) -> np.ndarray:
    """Cumulate ``returns`` from ``start_log``, bridged through each anchor (folded into bands).

    Between anchors a and b, x_k = x_a + S_k - (k/n)(S_n - (b - a)), a Brownian bridge made of
    the ticker's own returns; a band reflects the bridge back inside [lo, hi] (log units).
    """

    def to_log(level: float) -> float:
        return level if log_levels else float(np.log(level))

    path = np.empty(len(returns))
    path[0] = start_log
    position = 0
    for anchor in anchors:
        end = int(days.searchsorted(pd.Timestamp(anchor.day)))
        if end <= position or end >= len(days):
            continue
        steps = returns[position + 1 : end + 1] * anchor.noise
        walk = np.cumsum(steps)
        k = np.arange(1, len(steps) + 1) / len(steps)
        target = to_log(anchor.level) - path[position]
        segment = path[position] + walk - k * (walk[-1] - target)
        if anchor.band is not None:
            low, high = (to_log(v) for v in anchor.band)
            segment = _fold(segment, low, high)
        path[position + 1 : end + 1] = segment
        position = end
    if position < len(days) - 1:
        path[position + 1 :] = path[position] + np.cumsum(returns[position + 1 :])
    return path


def _fold(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Reflect a path into [low, high]: a continuous fold, so the range has a hard ceiling."""
    width = high - low
    z = np.mod(values - low, 2 * width)
    return low + np.where(z <= width, z, 2 * width - z)


def _bars(
    profile: Profile,
    log_close: np.ndarray,
    returns: np.ndarray,
    days: pd.DatetimeIndex,
    regime_vol: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    n = len(days)
    day_vol = 0.009 * regime_vol * max(profile.beta, 0.6)
    close = np.round(np.exp(log_close), 2)
    prev = np.concatenate([[np.nan], close[:-1]])
    open_ = np.round(prev * np.exp(0.25 * day_vol * rng.standard_normal(n)), 2)
    open_ = np.where(np.isnan(open_), close, open_)
    wick_up = np.exp(np.abs(0.45 * day_vol * rng.standard_normal(n)))
    wick_down = np.exp(-np.abs(0.45 * day_vol * rng.standard_normal(n)))
    high = np.round(np.maximum(open_, close) * wick_up, 2)
    low = np.round(np.minimum(open_, close) * wick_down, 2)
    activity = 1.0 + 2.5 * np.abs(returns) / day_vol
    volume = np.round(profile.volume * activity * np.exp(0.3 * rng.standard_normal(n)))
    adj_close = _adjusted(close, days, profile.yield_pct)
    frame = pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "adj_close": adj_close, "volume": volume},
        index=days,
    )
    return frame.loc[~np.isnan(close)]


def _adjusted(close: np.ndarray, days: pd.DatetimeIndex, yield_pct: float) -> np.ndarray:
    """Yahoo-style Adj Close: close x prod over later ex-dates of (1 - dividend / prior close).

    Dividends are quarterly, ex on the third Friday of March, June, September and December,
    each ``yield_pct / 4`` percent of the prior close, rounded to a tenth of a cent.
    """
    if yield_pct <= 0:
        return close.copy()
    third_fridays = pd.date_range(days[0], days[-1], freq="WOM-3FRI")
    ex_days = third_fridays[third_fridays.month.isin([3, 6, 9, 12])]
    factor = np.ones(len(days))
    positions = days.searchsorted(ex_days)
    for pos in positions:  # about 50 ex-dates; the cumulative product is applied once below
        if 0 < pos < len(days) and not np.isnan(close[pos - 1]):
            dividend = round(close[pos - 1] * yield_pct / 400.0, 3)
            factor[pos - 1] = 1.0 - dividend / close[pos - 1]
    # factor at t multiplies every bar up to and including t (the day before the ex-date).
    cumulative = np.cumprod(factor[::-1])[::-1]
    return np.round(close * cumulative, 4)
