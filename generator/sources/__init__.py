"""Price sources behind one interface: ``demo``, ``csv:PATH`` and ``yfinance``.

A source returns normalised daily bars per ticker (tz-naive ``datetime64[ns]`` index named
``date``, columns ``open high low close adj_close volume`` with NaN where it has none) and
the tickers it could not get, each with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import pandas as pd

from generator.errors import ConfigError
from generator.prices import DataNote


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

    def fetch(self, tickers: Sequence[str], start: date, end: date | None = None) -> SourceResult:
        """Bars for ``tickers`` from ``start`` (inclusive) to ``end`` (exclusive; None = all)."""
        ...


def make_source(spec: str, *, seed: int = 20260630, root: Path | None = None) -> PriceSource:
    """Build the source named by ``spec``: ``demo``, ``yfinance`` or ``csv:PATH``."""
    if spec == "demo":
        from generator.sources.demo import DemoSource

        return DemoSource(seed=seed)
    if spec == "yfinance":
        from generator.sources.yahoo import YahooSource

        return YahooSource()
    if spec.startswith("csv:") and len(spec) > 4:
        from generator.sources.csvfolder import CsvFolderSource

        folder = Path(spec[4:]).expanduser()
        if not folder.is_absolute() and root is not None:
            folder = (root / folder) if (root / folder).exists() else folder.resolve()
        return CsvFolderSource(folder)
    raise ConfigError(f"unknown source {spec!r}; use 'yfinance', 'demo' or 'csv:PATH'")


def empty_bars() -> pd.DataFrame:
    """A zero-row frame with the normalised bar columns."""
    index = pd.DatetimeIndex([], name="date").as_unit("ns")
    return pd.DataFrame(
        {c: pd.Series(dtype="float64") for c in ("open", "high", "low", "close", "adj_close", "volume")},
        index=index,
    )
