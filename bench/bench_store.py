"""Benchmark: 3,000 tickers x 20 years of synthetic daily bars, saved to a store and loaded wide.

    python bench/bench_store.py [--tickers 3000] [--years 20] [--out bench/out/store]

Builds the store once (kept under bench/out/, reused when it matches), then loads it into the
wide date x ticker frames the signals use, in a fresh process so the peak memory is the
load's alone. Targets (DESIGN.md): under 5 s and under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import emit  # noqa: E402

from generator.data.fetch import library_versions, manifest_time  # noqa: E402
from generator.data.frames import union_of_days  # noqa: E402
from generator.data.store import PriceStore  # noqa: E402


def synthetic_bars(n_tickers: int, years: int, seed: int = 3000) -> dict[str, pd.DataFrame]:
    """Random-walk OHLCV per ticker in cents (like quotes); a third start later, a few end early."""
    days = pd.bdate_range(end="2026-06-30", periods=252 * years, name="date").as_unit("ns")
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(n_tickers):
        start = 0 if i % 3 else int(rng.integers(0, len(days) // 2))
        stop = len(days) if i % 50 else len(days) - int(rng.integers(1, 200))
        n = stop - start
        close = 20 * np.exp(np.cumsum(0.015 * rng.standard_normal(n)))
        frame = pd.DataFrame(
            {
                "open": np.round(close * (1 + 0.002 * rng.standard_normal(n)), 2),
                "high": np.round(close * 1.01, 2),
                "low": np.round(close * 0.99, 2),
                "close": np.round(close, 2),
                "adj_close": np.round(close * 0.97, 4),
                "volume": rng.integers(1e5, 1e7, n).astype("float64"),
            },
            index=days[start:stop],
        )
        out[f"S{i:04d}"] = frame
    return out


def build(folder: Path, n_tickers: int, years: int) -> None:
    """Write the store the way a fetch does: Parquet files first, the manifest last."""
    store = PriceStore(folder)
    marker = {"tickers": n_tickers, "years": years, "version": 4}
    manifest_path = folder / "manifest.json"
    if manifest_path.exists() and json.loads(manifest_path.read_text()).get("bench") == marker:
        print(f"store: reusing {folder}")
        return
    started = time.perf_counter()
    bars = synthetic_bars(n_tickers, years)
    generated = time.perf_counter()
    entries = {}
    with store.lock():
        for ticker, frame in bars.items():
            stored = store.write_bars(ticker, frame)
            entries[ticker] = {**stored.to_json(), "ticker": ticker, "one_close": False, "notes": []}
        dates = store.write_dates(union_of_days([f.index.as_unit("ns").asi8 for f in bars.values()]))
        store.write_manifest(
            {
                "bench": marker,
                "dates": dates,
                "source": "bench",
                "label": "Synthetic benchmark bars",
                "synthetic": True,
                "versions": library_versions(),
                "fetched_at": manifest_time(datetime.now(UTC)),
                "tickers": entries,
                "failures": [],
            }
        )
    written = time.perf_counter()
    size_mb = sum(p.stat().st_size for p in (folder / "prices").iterdir()) / 1e6
    rows = sum(len(f) for f in bars.values())
    print(
        f"store: {n_tickers} tickers, {rows:,} bars generated in {generated - started:.1f}s, "
        f"written in {written - generated:.1f}s ({size_mb:.0f} MB of Parquet)"
    )


def load(folder: Path) -> None:
    """Time load_history() and report its peak memory (run in its own process)."""
    started, cpu = time.perf_counter(), time.process_time()
    history = PriceStore(folder).load_history()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    frames = [history.close, history.adj_close, history.high, history.low, history.volume]
    held_mb = sum(f.memory_usage(deep=False).sum() for f in frames if f is not None) / 1e6
    shape = history.close.shape
    print(
        f"load_history: {shape[1]} tickers x {shape[0]} dates in {elapsed:.2f}s ({cpu:.2f}s CPU); "
        f"peak RSS {peak_mb:.0f} MB (the five wide frames hold {held_mb:.0f} MB)"
    )
    emit({"load_s": elapsed, "cpu_s": cpu, "peak_rss_mb": round(peak_mb), "frames_mb": round(held_mb)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=3000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "store")
    parser.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_only:
        load(args.out)
        return
    build(args.out, args.tickers, args.years)
    subprocess.run([sys.executable, __file__, "--load-only", "--out", str(args.out)], check=True)


if __name__ == "__main__":
    main()
