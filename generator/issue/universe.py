"""The small-cap universe as one issue sees it: definition, members, short interest, breadth.

Pure: stored snapshots and member prices in, a ``UniverseView`` out. Only snapshots dated on
or before the issue's as-of date are read, and breadth uses the members of that snapshot,
so a backfilled issue never sees a later universe (survivorship and look-ahead, SIGNALS.md
§4.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from generator.config import Settings
from generator.data.prices import PriceHistory
from generator.data.universe import (
    ShortInterestRecord,
    UniverseData,
    short_interest_history,
    short_interest_record,
)
from generator.signals.breadth import breadth_snapshot
from generator.signals.report import BreadthSnapshot


@dataclass(frozen=True)
class SectorCount:
    """How many universe members one sector has."""

    sector: str  # the sector as the source names it
    members: int  # stocks of the snapshot in that sector
    share_pct: float  # of all members, in percent


@dataclass(frozen=True)
class UniverseView:
    """The universe in one issue: its definition and what the latest snapshot shows."""

    min_market_cap_usd: float  # the lower market-cap bound ([smallcap] in newsletter.toml)
    max_market_cap_usd: float  # the upper market-cap bound
    min_dollar_volume_usd: float  # the liquidity floor: average daily dollar volume
    snapshot_day: date  # the snapshot the issue uses (the latest on or before its as-of date)
    snapshots: int  # snapshots stored up to the as-of date
    members: int  # stocks in that snapshot
    median_market_cap_usd: float | None  # median market cap of the members
    sectors: list[SectorCount]  # members by sector, largest first
    median_short_pct: float | None  # median short interest, % of float
    short_record: ShortInterestRecord | None  # where that median ranks in stored history
    breadth: BreadthSnapshot | None  # breadth of the members with stored prices

    def usd(self, value: float | None) -> str:
        """A dollar amount in words a reader scans: $1B, $2.5B, $300M."""
        if value is None:
            return "n/a"
        if value >= 1e9:
            return f"${value / 1e9:.1f}B".replace(".0B", "B")
        return f"${value / 1e6:.0f}M"


def universe_view(data: UniverseData | None, as_of: date, settings: Settings) -> UniverseView | None:
    """The view of the latest snapshot on or before ``as_of``; None without one."""
    if data is None or data.snapshots.empty:
        return None
    known = data.snapshots.loc[data.snapshots["snapshot"] <= pd.Timestamp(as_of)]
    if known.empty:
        return None
    day = known["snapshot"].max()
    rows = known.loc[known["snapshot"] == day]
    counts = rows["sector"].fillna("Unknown").value_counts()
    sectors = [
        SectorCount(str(name), int(n), round(100.0 * int(n) / len(rows), 1))
        for name, n in sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    ]
    history = short_interest_history(known)
    shorts = rows["short_pct_float"].dropna()
    return UniverseView(
        min_market_cap_usd=settings.smallcap.min_market_cap_usd,
        max_market_cap_usd=settings.smallcap.max_market_cap_usd,
        min_dollar_volume_usd=settings.smallcap.min_dollar_volume_usd,
        snapshot_day=pd.Timestamp(day).date(),
        snapshots=int(known["snapshot"].nunique()),
        members=len(rows),
        median_market_cap_usd=float(rows["market_cap_usd"].median()) if len(rows) else None,
        sectors=sectors,
        median_short_pct=float(shorts.median()) if len(shorts) else None,
        short_record=short_interest_record(history),
        breadth=_breadth(data.prices, list(rows["ticker"].astype(str)), as_of, settings),
    )


def _breadth(
    prices: PriceHistory | None, members: list[str], as_of: date, settings: Settings
) -> BreadthSnapshot | None:
    if prices is None:
        return None
    held = [t for t in members if t in prices.close.columns]
    if not held:
        return None
    cut = prices.as_of(as_of)
    return breadth_snapshot(
        "Small-cap universe", held, cut.close[held], cut.adj_close[held], settings.signals.breadth
    )
