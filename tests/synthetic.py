"""Synthetic prices and settings for signal tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from generator.config import Settings
from generator.data.prices import PriceHistory, history_from_bars


def business_days(count: int, start: str = "2015-01-05") -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=count, name="date").as_unit("ns")


def history_of(
    closes: Mapping[str, Sequence[float] | np.ndarray],
    *,
    start: str = "2015-01-05",
    adjusted: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    highs: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    lows: Mapping[str, Sequence[float] | np.ndarray] | None = None,
) -> PriceHistory:
    """Daily bars on business days from ``start``; NaN means no bar that day."""
    count = max(len(v) for v in closes.values())
    days = business_days(count, start)
    bars = {}
    for ticker, values in closes.items():
        frame = pd.DataFrame({"close": np.asarray(values, dtype=float)}, index=days[: len(values)])
        frame["adj_close"] = np.asarray((adjusted or {}).get(ticker, values), dtype=float)
        if highs and ticker in highs:
            frame["high"] = np.asarray(highs[ticker], dtype=float)
        if lows and ticker in lows:
            frame["low"] = np.asarray(lows[ticker], dtype=float)
        bars[ticker] = frame.dropna(subset=["close"])
    return history_from_bars(bars, source_label="synthetic test prices", synthetic=True)


def make_settings(
    groups: Mapping[str, Sequence[str]],
    *,
    benchmark: str = "SPY",
    pairs: Sequence[tuple[str, str]] = (),
    signals: Mapping[str, Any] | None = None,
) -> Settings:
    """Settings with one group per entry (all read against ``benchmark``)."""
    return Settings.model_validate(
        {
            "benchmark": benchmark,
            "groups": {
                name: {
                    "label": name.title(),
                    "benchmark": benchmark,
                    "category": name,
                    "tickers": list(tickers),
                }
                for name, tickers in groups.items()
            },
            "pairs": [{"long": a, "short": b, "label": f"{a} vs {b}", "category": "pairs"} for a, b in pairs],
            "signals": dict(signals or {}),
        }
    )


def random_walk(
    count: int, seed: int, *, drift: float = 0.0003, vol: float = 0.012, start: float = 100.0
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return start * np.exp(np.cumsum(drift + vol * rng.standard_normal(count)))
