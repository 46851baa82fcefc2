"""The local price store: one Parquet file per ticker plus a JSON manifest, per source.

Each source gets its own folder (``<store_dir>/<source key>/``) so synthetic demo bars can
never mix with real ones. Every file is written atomically (temp file + rename), and the
manifest is written last, so a crash leaves the store as it was before or after a fetch.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from generator.errors import StoreError
from generator.fsio import atomic_write_bytes, atomic_write_text
from generator.prices import BAR_COLUMNS, DataNote, PriceHistory, history_from_bars

MANIFEST_NAME = "manifest.json"


def source_key(spec: str) -> str:
    """A folder name for a source spec: ``demo``, ``yfinance``, ``csv-<folder name>``."""
    if spec.startswith("csv:"):
        name = Path(spec[4:]).expanduser().resolve().name or "root"
        return "csv-" + re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return re.sub(r"[^A-Za-z0-9_.-]", "_", spec)


@dataclass(frozen=True)
class StoredTicker:
    """What the manifest records for one ticker."""

    ticker: str
    first_bar: date
    last_bar: date
    rows: int
    one_close: bool


class PriceStore:
    """Parquet files per ticker under one folder, with a manifest."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def manifest_path(self) -> Path:
        """Where the manifest lives."""
        return self.folder / MANIFEST_NAME

    def path_for(self, ticker: str) -> Path:
        """The Parquet file of ``ticker`` (URL-quoted so ``^VIX`` or ``BRK/B`` are safe)."""
        return self.folder / "prices" / f"{quote(ticker, safe='^-._=')}.parquet"

    def stored_tickers(self) -> list[str]:
        """Tickers that have a Parquet file, sorted."""
        folder = self.folder / "prices"
        if not folder.is_dir():
            return []
        return sorted(unquote(p.stem) for p in folder.glob("*.parquet"))

    def save_bars(self, ticker: str, bars: pd.DataFrame) -> Path:
        """Write one ticker's bars atomically."""
        frame = bars.reindex(columns=list(BAR_COLUMNS)).astype("float64")
        frame.index = pd.DatetimeIndex(frame.index, name="date").as_unit("ns")
        table = pa.Table.from_pandas(frame, preserve_index=True)
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="zstd")
        return atomic_write_bytes(self.path_for(ticker), buffer.getvalue())

    def load_bars(self, ticker: str) -> pd.DataFrame:
        """Read one ticker's bars; raise StoreError naming the file if it is unreadable."""
        path = self.path_for(ticker)
        try:
            frame = pq.read_table(path).to_pandas()
        except FileNotFoundError:
            raise StoreError(f"{ticker}: not in the price store ({path}); run `rotation fetch`") from None
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(
                f"{ticker}: the store file {path} is corrupt ({exc}); run `rotation fetch` to refetch it"
            ) from exc
        frame.index = pd.DatetimeIndex(frame.index, name="date").as_unit("ns")
        return frame

    def read_manifest(self) -> dict[str, Any]:
        """The manifest, or an empty one."""
        try:
            return dict(json.loads(self.manifest_path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.manifest_path}: the store manifest is unreadable ({exc})") from exc

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write the manifest atomically (always last in a fetch)."""
        atomic_write_text(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")

    def load_history(self, tickers: Sequence[str] | None = None) -> PriceHistory:
        """Wide frames for ``tickers`` (default: everything stored), with the source's label."""
        manifest = self.read_manifest()
        wanted = list(tickers) if tickers is not None else self.stored_tickers()
        available = set(self.stored_tickers())
        bars = {t: self.load_bars(t) for t in wanted if t in available}
        if not bars:
            raise StoreError(
                f"the price store {self.folder} holds none of the tickers asked for; run `rotation fetch`"
            )
        notes = [
            DataNote(t, "missing", "not in the price store; left out of this issue")
            for t in wanted
            if t not in available
        ]
        notes.extend(_notes_from_manifest(manifest, bars))
        one_close = [t for t, info in manifest.get("tickers", {}).items() if info.get("one_close")]
        history = history_from_bars(
            bars,
            one_close=[t for t in one_close if t in bars],
            notes=notes,
            source_label=str(manifest.get("label", "unknown source")),
            synthetic=bool(manifest.get("synthetic", False)),
        )
        return history


def _notes_from_manifest(manifest: dict[str, Any], bars: dict[str, pd.DataFrame]) -> Iterable[DataNote]:
    for raw in manifest.get("notes", []):
        if raw.get("ticker") in bars:
            day = date.fromisoformat(raw["day"]) if raw.get("day") else None
            yield DataNote(raw["ticker"], raw["kind"], raw["message"], day)


def manifest_entry(ticker: str, bars: pd.DataFrame, one_close: bool) -> dict[str, Any]:
    """The manifest record for one stored ticker."""
    index = pd.DatetimeIndex(bars.index)
    return {
        "first_bar": index[0].date().isoformat(),
        "last_bar": index[-1].date().isoformat(),
        "rows": len(bars),
        "one_close": one_close,
        "ticker": ticker,
    }


def utc_now_iso() -> str:
    """Fetch time for the manifest (the clock stays at the edge)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()
