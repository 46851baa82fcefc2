"""Fetch stage: bring the price store up to date from a source."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from typing import Any

from generator.errors import FetchError
from generator.sources import FetchFailure, PriceSource
from generator.store import PriceStore, manifest_entry, utc_now_iso

Progress = Callable[[str], None]


@dataclass
class FetchSummary:
    """What a fetch did, for the command's closing line."""

    fetched: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    failed: list[FetchFailure] = field(default_factory=list)

    def describe(self) -> str:
        """One line: counts, then the failures by name."""
        text = f"fetched {len(self.fetched)}, up to date {len(self.up_to_date)}, failed {len(self.failed)}"
        if self.failed:
            text += ": " + "; ".join(str(f) for f in self.failed)
        return text


def library_versions() -> dict[str, str]:
    """Versions that shape the numbers, recorded in the manifest for reproducibility."""
    versions = {"python": sys.version.split()[0]}
    for package in ("pandas", "numpy", "pyarrow", "yfinance", "rotation-desk"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def fetch_into_store(
    source: PriceSource,
    store: PriceStore,
    tickers: Sequence[str],
    start: date,
    end: date | None = None,
    *,
    progress: Progress | None = None,
) -> FetchSummary:
    """Fetch ``tickers`` from ``source`` into ``store``; the manifest is written last."""
    result = source.fetch(tickers, start, end)
    if not result.bars:
        names = ", ".join(f.ticker for f in result.failures) or ", ".join(tickers)
        raise FetchError(f"{source.label} returned no prices for {names}; check the symbols and the source")
    summary = FetchSummary(failed=list(result.failures))
    manifest: dict[str, Any] = store.read_manifest()
    entries: dict[str, Any] = dict(manifest.get("tickers", {}))
    for ticker, bars in result.bars.items():
        store.save_bars(ticker, bars)
        entries[ticker] = manifest_entry(ticker, bars, ticker in result.one_close)
        summary.fetched.append(ticker)
        if progress is not None:
            progress(ticker)
    manifest.update(
        {
            "source": source.name,
            "label": source.label,
            "synthetic": source.synthetic,
            "versions": library_versions(),
            "fetched_at": utc_now_iso(),
            "tickers": entries,
            "failures": [{"ticker": f.ticker, "reason": f.reason} for f in result.failures],
            "notes": [
                {
                    "ticker": n.ticker,
                    "kind": n.kind,
                    "message": n.message,
                    "day": n.day.isoformat() if n.day else None,
                }
                for n in result.notes
            ],
        }
    )
    store.write_manifest(manifest)
    return summary
