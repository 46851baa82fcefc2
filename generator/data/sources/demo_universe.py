"""The demo source's stock universe: a few hundred plainly synthetic small and mid caps.

Deterministic from the seed, so `rotation universe --source demo` runs offline. Each stock
has a Yahoo sector name, an exchange, a market cap at the demo's last day (log-uniform
between $0.4B and $25B, so the $1B-$10B screen keeps about half), a free float, and:

- daily bars from the demo factor model (a small-cap stock profile loading on its sector's
  SPDR factor), so ``rotation fetch --source demo --universe`` gives prices that match the
  market caps: ``cap_t = shares x close_t`` with ``shares = cap_last / close_last``;
- short interest as % of float on the twice-monthly settlement dates (the 15th and the
  month's last weekday), published ``SETTLEMENT_LAG_DAYS`` later:
  ``si_i,t = base_i x exp(c_t + u_i,t)``, where ``c`` is a common crowding factor (AR(1),
  rising to a record over the demo's last six months: the story the letter can check) and
  ``u_i`` an AR(1) per stock;
- days to cover = short shares / average daily volume over the last 63 sessions.

Tickers are ``DS001`` ... and names say "(synthetic)", so nobody mistakes them for real firms.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Profile:
    """How one synthetic ETF loads on the factors."""

    start_price: float
    beta: float = 1.0
    size: float = 0.0
    sector: str | None = None
    sector_load: float = 0.0
    theme: float = 0.0
    idio_vol: float = 0.004
    yield_pct: float = 1.5
    inception: date | None = None
    volume: float = 5e6


DEMO_STOCK_COUNT = 300
TICKER_PREFIX = "DS"
SETTLEMENT_LAG_DAYS = 8
ADV_SESSIONS = 63
YAHOO_SECTORS: dict[str, str] = {
    "Basic Materials": "XLB",
    "Communication Services": "XLC",
    "Consumer Cyclical": "XLY",
    "Consumer Defensive": "XLP",
    "Energy": "XLE",
    "Financial Services": "XLF",
    "Healthcare": "XLV",
    "Industrials": "XLI",
    "Real Estate": "XLRE",
    "Technology": "XLK",
    "Utilities": "XLU",
}
_TICKER = re.compile(rf"^{TICKER_PREFIX}(\d{{3}})$")


@dataclass(frozen=True)
class DemoStock:
    """One synthetic stock's fixed traits."""

    ticker: str
    name: str
    sector: str
    exchange: str
    cap_last_usd: float
    float_frac: float
    short_base_pct: float
    start_price: float
    beta: float
    turnover: float  # daily volume as a fraction of the float


def is_demo_stock(ticker: str) -> bool:
    """True for the demo universe's tickers (DS001 ... DS300)."""
    match = _TICKER.match(ticker)
    return bool(match) and 1 <= int(match.group(1)) <= DEMO_STOCK_COUNT  # type: ignore[union-attr]


def demo_stocks(seed: int) -> list[DemoStock]:
    """The universe's stocks, deterministic from ``seed``."""
    rng = np.random.default_rng([seed, 4242])
    sectors = sorted(YAHOO_SECTORS)
    stocks = []
    for n in range(1, DEMO_STOCK_COUNT + 1):
        sector = sectors[int(rng.integers(len(sectors)))]
        stocks.append(
            DemoStock(
                ticker=f"{TICKER_PREFIX}{n:03d}",
                name=f"Demo {sector} Co. {n:03d} (synthetic)",
                sector=sector,
                exchange="NMS" if rng.random() < 0.6 else "NYQ",
                cap_last_usd=float(np.exp(rng.uniform(np.log(0.4e9), np.log(25e9)))),
                float_frac=float(rng.uniform(0.6, 0.95)),
                short_base_pct=float(np.clip(np.exp(rng.normal(np.log(4.0), 0.7)), 0.3, 35.0)),
                start_price=float(np.round(rng.uniform(4.0, 40.0), 2)),
                beta=float(rng.uniform(0.8, 1.3)),
                turnover=float(np.exp(rng.normal(np.log(0.008), 0.4))),
            )
        )
    return stocks


def stock_profiles(tickers: Sequence[str], seed: int) -> dict[str, tuple[Profile, DemoStock]]:
    """Factor-model profiles of the universe's stocks among ``tickers``: small caps on their sector."""
    if not any(is_demo_stock(t) for t in tickers):
        return {}
    return {
        s.ticker: (
            Profile(
                s.start_price,
                beta=s.beta,
                size=1.0,
                sector=YAHOO_SECTORS[s.sector],
                sector_load=1.0,
                idio_vol=0.015,
                yield_pct=0.0,
            ),
            s,
        )
        for s in demo_stocks(seed)
    }


def calibrate_volume(frame: pd.DataFrame, stock: DemoStock) -> pd.DataFrame:
    """Scale a stock's volumes so its last-63-session average is ``turnover x float shares``.

    The factor model draws volume in arbitrary units; the universe needs volumes that fit
    the stock's size, so days to cover and dollar volume come out plausible.
    """
    shares = stock.cap_last_usd / float(frame["close"].iloc[-1])
    recent = float(frame["volume"].iloc[-ADV_SESSIONS:].mean())
    scale = stock.turnover * stock.float_frac * shares / recent if recent > 0 else 1.0
    return frame.assign(volume=np.round(frame["volume"].to_numpy() * scale))


def settlement_days(first: date, last: date) -> pd.DatetimeIndex:
    """Short-interest settlement dates: the 15th and the last weekday of each month (weekends roll back)."""
    days = []
    for month in pd.date_range(pd.Timestamp(first).replace(day=1), last, freq="MS"):
        mid = month + pd.Timedelta(days=14)
        end = month + pd.offsets.MonthEnd(0)
        for day in (mid, end):
            while day.weekday() >= 5:
                day -= pd.Timedelta(days=1)
            if pd.Timestamp(first) <= day <= pd.Timestamp(last):
                days.append(day)
    return pd.DatetimeIndex(days, name="settlement").as_unit("ns")


def short_interest_pct(stocks: list[DemoStock], seed: int, first: date, last: date) -> pd.DataFrame:
    """Short interest as % of float, settlement dates x tickers (pure, deterministic)."""
    days = settlement_days(first, last)
    rng = np.random.default_rng([seed, 5151])
    crowd = np.zeros(len(days))
    for k in range(1, len(days)):
        crowd[k] = 0.9 * crowd[k - 1] + 0.03 * rng.standard_normal()
    years = (days - days[0]).days.to_numpy() / 365.25
    crowd += 0.15 * np.sin(2 * np.pi * years / 3.5)  # slow cycles of crowding and covering
    ramp_from = len(days) - 12  # the last six months: shorts pile into small caps
    crowd += 0.6 * np.clip((np.arange(len(days)) - ramp_from) / 12.0, 0.0, 1.0)
    out = {}
    for stock in stocks:
        own = np.random.default_rng([seed, zlib.crc32(stock.ticker.encode()), 9])
        u = np.zeros(len(days))
        for k in range(1, len(days)):
            u[k] = 0.9 * u[k - 1] + 0.08 * own.standard_normal()
        out[stock.ticker] = np.round(np.clip(stock.short_base_pct * np.exp(crowd + u), 0.05, 60.0), 2)
    return pd.DataFrame(out, index=days)


def universe_snapshot(
    stocks: list[DemoStock], close: pd.DataFrame, volume: pd.DataFrame, short_pct: pd.DataFrame, as_of: date
) -> pd.DataFrame:
    """Every demo stock as of ``as_of`` in the screener's columns (pure; no screening here).

    ``close`` and ``volume`` are wide (date x ticker) frames of the stocks' daily bars.
    """
    tickers = [s.ticker for s in stocks]
    close = close.reindex(columns=tickers)
    volume = volume.reindex(columns=tickers)
    row = int(close.index.searchsorted(pd.Timestamp(as_of), side="right")) - 1
    if row < 0:
        return pd.DataFrame(columns=["ticker"])
    shares = np.array([s.cap_last_usd for s in stocks]) / close.iloc[-1].to_numpy()
    price = close.iloc[row].to_numpy()
    adv = volume.iloc[max(0, row - ADV_SESSIONS + 1) : row + 1].mean().to_numpy()
    published = short_pct.loc[short_pct.index <= pd.Timestamp(as_of - timedelta(days=SETTLEMENT_LAG_DAYS))]
    si = published.iloc[-1].reindex(tickers).to_numpy() if len(published) else np.full(len(tickers), np.nan)
    float_shares = np.array([s.float_frac for s in stocks]) * shares
    with np.errstate(invalid="ignore", divide="ignore"):
        days_to_cover = np.where(adv > 0, si / 100 * float_shares / adv, np.nan)
    return pd.DataFrame(
        {
            "ticker": tickers,
            "name": [s.name for s in stocks],
            "sector": [s.sector for s in stocks],
            "exchange": [s.exchange for s in stocks],
            "market_cap_usd": np.round(shares * price, -3),
            "price_usd": price,
            "avg_dollar_volume_usd": np.round(adv * price, -2),
            "short_pct_float": si,
            "days_to_cover": np.round(days_to_cover, 2),
        }
    )
