"""The small-cap stock universe by market cap, and its dated snapshots.

"Our small-cap universe is $1B-$10B in market cap": `rotation universe` screens US-listed
stocks (the Yahoo screener in generator/data/sources/yahoo_screener.py, or the demo source's
synthetic universe), keeps those between
``min_market_cap_usd`` and ``max_market_cap_usd`` with an average dollar volume (3-month
average daily volume x price) of at least ``min_dollar_volume_usd`` (0 turns the floor off),
and stores a dated snapshot. Snapshots accumulate, so "is short interest in this group at
its highest on record?" is answered from stored history, never from today's data alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from generator.data.prices import PriceHistory
from generator.data.store import PriceStore
from generator.errors import FetchError, StoreError
from generator.fsio import atomic_write_bytes

UNIVERSE_COLUMNS = (
    "ticker",
    "name",
    "sector",
    "exchange",
    "market_cap_usd",
    "price_usd",
    "avg_dollar_volume_usd",
    "short_pct_float",
    "days_to_cover",
)
TEXT_COLUMNS = ("ticker", "name", "sector", "exchange")
YAHOO_SECTORS = (
    "Basic Materials",
    "Communication Services",
    "Consumer Cyclical",
    "Consumer Defensive",
    "Energy",
    "Financial Services",
    "Healthcare",
    "Industrials",
    "Real Estate",
    "Technology",
    "Utilities",
)


@dataclass(frozen=True)
class Screen:
    """The market-cap screen: bounds in USD, a dollar-volume floor, the exchanges."""

    min_market_cap_usd: float = 1e9
    max_market_cap_usd: float = 10e9
    min_dollar_volume_usd: float = 0.0
    exchanges: tuple[str, ...] = ("NMS", "NGM", "NCM", "NYQ", "ASE")
    page_size: int = 250

    def describe(self) -> str:
        """``$1B-$10B market cap, dollar volume >= $5M a day``."""
        text = f"{_usd(self.min_market_cap_usd)}-{_usd(self.max_market_cap_usd)} market cap"
        if self.min_dollar_volume_usd > 0:
            text += f", dollar volume >= {_usd(self.min_dollar_volume_usd)} a day"
        return text


@dataclass
class ScreenResult:
    """The kept rows and what was dropped, and why."""

    rows: pd.DataFrame
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _usd(value: float) -> str:
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= size:
            return f"${value / size:g}{unit}"
    return f"${value:g}"


def apply_screen(frame: pd.DataFrame, screen: Screen) -> ScreenResult:
    """Keep rows inside the market-cap bounds and above the dollar-volume floor (pure).

    Rows are sorted by market cap, largest first, then ticker, so snapshots diff cleanly.
    """
    rows = normalise_rows(frame)
    dropped: dict[str, int] = {}
    cap = rows["market_cap_usd"]
    keep = cap.between(screen.min_market_cap_usd, screen.max_market_cap_usd)
    dropped["market cap unknown"] = int(cap.isna().sum())
    dropped["market cap outside the range"] = int((cap.notna() & ~keep).sum())
    if screen.min_dollar_volume_usd > 0:
        volume = rows["avg_dollar_volume_usd"]
        dropped["dollar volume unknown"] = int((keep & volume.isna()).sum())
        dropped["dollar volume below the floor"] = int((keep & (volume < screen.min_dollar_volume_usd)).sum())
        keep &= volume >= screen.min_dollar_volume_usd
    kept = rows.loc[keep].sort_values(["market_cap_usd", "ticker"], ascending=[False, True], kind="stable")
    return ScreenResult(kept.reset_index(drop=True), {k: v for k, v in dropped.items() if v})


def normalise_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The universe columns in order, typed, upper-case tickers, one row per ticker."""
    rows = frame.reindex(columns=list(UNIVERSE_COLUMNS)).copy()
    for column in UNIVERSE_COLUMNS:
        if column in TEXT_COLUMNS:
            rows[column] = rows[column].astype("string")
        else:
            rows[column] = pd.to_numeric(rows[column], errors="coerce").astype("float64")
    rows["ticker"] = rows["ticker"].str.strip().str.upper()
    rows = rows.loc[rows["ticker"].notna() & (rows["ticker"] != "")]
    return rows.drop_duplicates("ticker", keep="first").reset_index(drop=True)


# --- dated snapshots -------------------------------------------------------------------


def snapshot_folder(store_folder: Path) -> Path:
    """Where a source's universe snapshots live."""
    return store_folder / "universe"


def save_snapshot(store_folder: Path, day: date, rows: pd.DataFrame) -> Path:
    """Write one dated snapshot atomically (a rerun the same day replaces it)."""
    table = pa.Table.from_pandas(normalise_rows(rows), preserve_index=False)
    path = snapshot_folder(store_folder) / f"{day.isoformat()}.parquet"
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return atomic_write_bytes(path, sink.getvalue().to_pybytes())


def snapshot_days(store_folder: Path) -> list[date]:
    """Dates of the stored snapshots, oldest first."""
    folder = snapshot_folder(store_folder)
    days = []
    for path in folder.glob("*.parquet") if folder.is_dir() else []:
        try:
            days.append(date.fromisoformat(path.stem))
        except ValueError:
            continue
    return sorted(days)


def read_snapshot(path: Path, columns: list[str] | None = None) -> pa.Table:
    """One stored snapshot; StoreError naming the file if it is corrupt or truncated."""
    try:
        return pq.read_table(path, columns=columns)
    except (OSError, pa.ArrowException, KeyError) as exc:
        raise StoreError(
            f"the universe snapshot {path} is unreadable ({exc}); delete it and run `rotation universe`"
        ) from exc


def load_snapshots(store_folder: Path, *, through: date | None = None) -> pd.DataFrame:
    """Every stored snapshot (up to ``through``) stacked, with a ``snapshot`` date column."""
    frames = []
    for day in snapshot_days(store_folder):
        if through is not None and day > through:
            continue
        rows = read_snapshot(snapshot_folder(store_folder) / f"{day.isoformat()}.parquet").to_pandas()
        frames.append(normalise_rows(rows).assign(snapshot=pd.Timestamp(day)))
    if not frames:
        empty = normalise_rows(pd.DataFrame(columns=list(UNIVERSE_COLUMNS)))
        return empty.assign(snapshot=pd.Series(dtype="datetime64[ns]"))
    return pd.concat(frames, ignore_index=True)


def latest_universe_tickers(store_folder: Path) -> list[str]:
    """Tickers of the newest snapshot (empty without one)."""
    days = snapshot_days(store_folder)
    if not days:
        return []
    rows = read_snapshot(snapshot_folder(store_folder) / f"{days[-1].isoformat()}.parquet", ["ticker"])
    return [str(t) for t in rows.column("ticker").to_pylist() if t]


@dataclass(frozen=True)
class UniverseData:
    """Everything stored about the universe: every snapshot, and the members' prices."""

    snapshots: pd.DataFrame = field(repr=False)  # rows of every snapshot, with a `snapshot` column
    prices: PriceHistory | None = field(default=None, repr=False)


def members_as_of(data: UniverseData, as_of: date) -> list[str]:
    """Tickers of the latest snapshot on or before ``as_of`` (none before the first snapshot)."""
    known = data.snapshots.loc[data.snapshots["snapshot"] <= pd.Timestamp(as_of)]
    if known.empty:
        return []
    rows = known.loc[known["snapshot"] == known["snapshot"].max()]
    return [str(t) for t in rows["ticker"].dropna()]


def load_universe(store: PriceStore) -> UniverseData | None:
    """Every stored snapshot and the stored prices of their members (None without a snapshot)."""
    snapshots = load_snapshots(store.folder)
    if snapshots.empty:
        return None
    members = sorted(set(snapshots["ticker"].dropna().astype(str)))
    held = set(store.read_manifest().get("tickers", {}))
    stored = [t for t in members if t in held]
    prices = store.load_history(stored) if stored else None
    return UniverseData(snapshots, prices)


# --- history questions ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShortInterestRecord:
    """Where the latest snapshot's short interest stands in the stored history."""

    snapshot: date
    median_pct: float
    snapshots: int
    rank: int  # 1 = highest of all stored snapshots
    first_snapshot: date
    previous_high_pct: float | None
    previous_high_day: date | None

    @property
    def at_record_high(self) -> bool:
        """True when no earlier snapshot had a higher median."""
        return self.rank == 1

    def describe(self) -> str:
        """One sentence for the summary."""
        text = f"median short interest {self.median_pct:.2f}% of float on {self.snapshot.isoformat()}"
        if self.snapshots == 1:
            return text + " (the first stored snapshot; history builds with every run)"
        since = f"{self.snapshots} snapshots since {self.first_snapshot.isoformat()}"
        if not self.at_record_high:
            return text + f": number {self.rank} of {since}"
        if self.previous_high_pct is not None and self.previous_high_day is not None:
            # Compared as printed: a tie to two decimals is "level with", not "above".
            level = f"{self.median_pct:.2f}" == f"{self.previous_high_pct:.2f}"
            since += (
                f", {'level with' if level else 'above'} the previous high of "
                f"{self.previous_high_pct:.2f}% on {self.previous_high_day}"
            )
        return text + f": the highest of {since}"


def short_interest_history(snapshots: pd.DataFrame, tickers: Sequence[str] | None = None) -> pd.DataFrame:
    """Per snapshot: stocks with data, and the median and mean short interest (% of float) (pure).

    ``tickers`` restricts the group (e.g. one sector's names); default: each snapshot's universe.
    """
    rows = snapshots if tickers is None else snapshots.loc[snapshots["ticker"].isin(list(tickers))]
    grouped = rows.groupby("snapshot")["short_pct_float"]
    return pd.DataFrame(
        {
            "stocks": rows.groupby("snapshot")["ticker"].count(),
            "with_data": grouped.count(),
            "median_pct": grouped.median(),
            "mean_pct": grouped.mean(),
        }
    ).sort_index()


def short_interest_record(history: pd.DataFrame) -> ShortInterestRecord | None:
    """Rank the latest snapshot's median short interest among all stored ones (pure)."""
    usable = history.loc[history["with_data"] > 0, "median_pct"].dropna()
    if usable.empty:
        return None
    latest_day = pd.Timestamp(str(usable.index[-1]))
    latest = float(usable.iloc[-1])
    earlier = usable.iloc[:-1]
    rank = 1 + int((earlier > latest).sum())
    high_day = earlier.idxmax() if len(earlier) else None
    return ShortInterestRecord(
        snapshot=latest_day.date(),
        median_pct=latest,
        snapshots=len(usable),
        rank=rank,
        first_snapshot=pd.Timestamp(str(usable.index[0])).date(),
        previous_high_pct=float(earlier.max()) if len(earlier) else None,
        previous_high_day=pd.Timestamp(str(high_day)).date() if high_day is not None else None,
    )


# --- the stage's edge ----------------------------------------------------------------------


@dataclass(frozen=True)
class UniverseRun:
    """What `rotation universe` did."""

    day: date
    screen: Screen
    result: ScreenResult
    path: Path
    record: ShortInterestRecord | None

    def lines(self) -> list[str]:
        """The command's summary."""
        rows = self.result.rows
        out = [f"{len(rows)} stocks on {self.day.isoformat()} ({self.screen.describe()}); saved {self.path}"]
        if self.result.dropped:
            out.append("left out: " + ", ".join(f"{v} {k}" for k, v in self.result.dropped.items()))
        missing = int(rows["short_pct_float"].isna().sum())
        if missing:
            out.append(f"short interest unknown for {missing} of {len(rows)} stocks")
        if self.record is not None:
            out.append(self.record.describe())
        return out


def screen_from_settings(smallcap: Any, *, min_dollar_volume_usd: float | None = None) -> Screen:
    """The Screen of ``[smallcap]`` in newsletter.toml (a command-line floor wins)."""
    floor = smallcap.min_dollar_volume_usd if min_dollar_volume_usd is None else min_dollar_volume_usd
    return Screen(
        min_market_cap_usd=float(smallcap.min_market_cap_usd),
        max_market_cap_usd=float(smallcap.max_market_cap_usd),
        min_dollar_volume_usd=float(floor),
        exchanges=tuple(smallcap.exchanges),
        page_size=int(smallcap.page_size),
    )


def refresh_universe(
    raw_rows: Callable[[Screen], pd.DataFrame], screen: Screen, store: PriceStore, day: date
) -> UniverseRun:
    """Screen ``raw_rows(screen)``, store the dated snapshot (under the store's lock), rank short interest."""
    with store.lock():
        result = apply_screen(raw_rows(screen), screen)
        if result.rows.empty:
            raise FetchError(
                f"the screen ({screen.describe()}) kept no stocks; check [smallcap] in newsletter.toml"
            )
        path = save_snapshot(store.folder, day, result.rows)
        history = short_interest_history(load_snapshots(store.folder, through=day))
    return UniverseRun(day, screen, result, path, short_interest_record(history))


def seed_snapshots(
    rows_on: Callable[[Screen, date], pd.DataFrame], screen: Screen, store: PriceStore, days: Sequence[date]
) -> list[str]:
    """A dated snapshot for each of ``days`` (under the store's lock); every member's ticker.

    The demo seeds one per issue week, so a backfill reads each week the universe as it stood
    that week (no survivorship).
    """
    members: set[str] = set()
    with store.lock():
        for day in days:
            rows = apply_screen(rows_on(screen, day), screen).rows
            save_snapshot(store.folder, day, rows)
            members.update(rows["ticker"].astype(str))
    return sorted(members)
