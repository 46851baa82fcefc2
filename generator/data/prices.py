"""The price data every later stage reads: wide date x ticker frames on two price bases.

Basis A (``adj_close``): dividend-adjusted closes, for ratios, returns, correlation and RRG.
Basis B (``close``): quoted, split-adjusted closes, for levels (all-time highs, base
ceilings, breakout prices). A source with one close only fills both with it and lists the
ticker in ``one_close`` so drafts can say so (DESIGN.md principle 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

BAR_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume")


@dataclass(frozen=True)
class DataNote:
    """One finding about the data, by ticker and date, carried into the issue's data notes."""

    ticker: str
    kind: str  # missing, stale, gap, non_positive, bad_print, basis_mismatch, one_close, ...
    message: str
    day: date | None = None

    def __str__(self) -> str:
        when = f" on {self.day.isoformat()}" if self.day else ""
        return f"{self.ticker}{when}: {self.message}"


@dataclass(frozen=True)
class PriceHistory:
    """Wide daily frames (tz-naive DatetimeIndex named ``date``, sorted; upper-case tickers)."""

    close: pd.DataFrame
    adj_close: pd.DataFrame
    high: pd.DataFrame | None = None
    low: pd.DataFrame | None = None
    volume: pd.DataFrame | None = None
    one_close: frozenset[str] = frozenset()
    notes: tuple[DataNote, ...] = ()
    source_label: str = "unknown"
    synthetic: bool = False
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def tickers(self) -> list[str]:
        """Tickers with at least one close."""
        return [t for t in self.close.columns if self.close[t].notna().any()]

    @property
    def last_day(self) -> date:
        """The last session in the frames."""
        return pd.Timestamp(self.close.index[-1]).date()

    @property
    def first_day(self) -> date:
        """The first session in the frames."""
        return pd.Timestamp(self.close.index[0]).date()

    def as_of(self, day: date) -> PriceHistory:
        """Only the bars dated on or before ``day``: the no-look-ahead cut (DESIGN.md principle 1)."""
        end = pd.Timestamp(day)

        def cut(frame: pd.DataFrame | None) -> pd.DataFrame | None:
            return None if frame is None else frame.loc[frame.index <= end]

        close = cut(self.close)
        adj = cut(self.adj_close)
        assert close is not None and adj is not None
        notes = tuple(n for n in self.notes if n.day is None or n.day <= day)
        return PriceHistory(
            close=close,
            adj_close=adj,
            high=cut(self.high),
            low=cut(self.low),
            volume=cut(self.volume),
            one_close=self.one_close,
            notes=notes,
            source_label=self.source_label,
            synthetic=self.synthetic,
            names=self.names,
        )

    def select(self, tickers: Iterable[str]) -> PriceHistory:
        """The same history restricted to ``tickers`` (those it has)."""
        keep = [t for t in tickers if t in self.close.columns]

        def pick(frame: pd.DataFrame | None) -> pd.DataFrame | None:
            return None if frame is None else frame.reindex(columns=keep)

        close = pick(self.close)
        adj = pick(self.adj_close)
        assert close is not None and adj is not None
        return PriceHistory(
            close=close,
            adj_close=adj,
            high=pick(self.high),
            low=pick(self.low),
            volume=pick(self.volume),
            one_close=frozenset(t for t in self.one_close if t in keep),
            notes=tuple(n for n in self.notes if n.ticker in keep),
            source_label=self.source_label,
            synthetic=self.synthetic,
            names=self.names,
        )


def history_from_bars(
    bars: Mapping[str, pd.DataFrame],
    *,
    one_close: Iterable[str] = (),
    notes: Iterable[DataNote] = (),
    source_label: str = "unknown",
    synthetic: bool = False,
) -> PriceHistory:
    """Assemble per-ticker bar frames (columns of BAR_COLUMNS) into a wide PriceHistory."""
    if not bars:
        empty = pd.DataFrame(index=pd.DatetimeIndex([], name="date"), dtype="float64")
        return PriceHistory(close=empty, adj_close=empty.copy(), source_label=source_label)

    def wide(column: str) -> pd.DataFrame | None:
        parts = {t: f[column] for t, f in bars.items() if column in f and f[column].notna().any()}
        if not parts:
            return None
        frame = pd.DataFrame(parts).sort_index()
        frame.index = pd.DatetimeIndex(frame.index).as_unit("ns")
        frame.index.name = "date"
        frame.columns.name = None
        return frame.reindex(columns=[t for t in bars if t in parts]).astype("float64")

    close = wide("close")
    adj = wide("adj_close")
    if close is None:
        raise ValueError("no closes in any bar frame")
    adj = close.copy() if adj is None else adj.reindex(index=close.index, columns=close.columns)

    def aligned(column: str) -> pd.DataFrame | None:
        frame = wide(column)
        return None if frame is None else frame.reindex(index=close.index)

    return PriceHistory(
        close=close,
        adj_close=adj,
        high=aligned("high"),
        low=aligned("low"),
        volume=aligned("volume"),
        one_close=frozenset(one_close),
        notes=tuple(notes),
        source_label=source_label,
        synthetic=synthetic,
    )


def weekly_last(frame: pd.DataFrame, as_of: date | None = None) -> pd.DataFrame:
    """Weekly closes on Friday labels (``resample("W-FRI").last()``), completed weeks only.

    A week is complete once ``as_of`` (default: the last bar's date) reaches its Friday, so a
    mid-week as-of never reports a half week as a weekly close, while a Friday holiday
    (Good Friday) still closes its week on the Thursday bar (SIGNALS.md §0).
    """
    weekly = frame.resample("W-FRI").last()
    if as_of is None and len(frame.index):
        as_of = pd.Timestamp(frame.index[-1]).date()
    if as_of is not None and len(weekly.index):
        weekly = weekly.loc[weekly.index <= pd.Timestamp(as_of)]
    return weekly
