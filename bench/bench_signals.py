"""Benchmark the signals stage.

1. Every signal for a synthetic universe (default 3,000 tickers x 20 years of daily bars, in
   30 groups of 100 read against one benchmark, plus two pairs), as of the last day:
   wall and CPU time, and the process's peak memory (RSS).
2. The cost of one weekly issue for the default universe (newsletter.toml, 32 ETFs) on the
   demo data: compute_signals for each of the demo's last 52 Fridays.

    python bench/bench_signals.py [--tickers 3000] [--years 20]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.config import Settings, load_settings  # noqa: E402
from generator.data.prices import PriceHistory, history_from_bars  # noqa: E402
from generator.data.sources.demo import DemoSource  # noqa: E402
from generator.signals import compute_signals  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) so it measures from here (Linux only)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def synthetic_universe(tickers: int, years: int, seed: int) -> tuple[PriceHistory, Settings]:
    """Correlated random walks (a market factor plus noise), with late listings and gaps."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range(end="2026-06-26", periods=252 * years, name="date").as_unit("ns")
    n = len(days)
    market = rng.normal(0.0003, 0.011, n).astype("float64")
    names = ["SPY"] + [f"T{i:04d}" for i in range(tickers - 1)]
    beta = rng.uniform(0.5, 1.6, tickers)
    beta[0] = 1.0
    returns = market[:, None] * beta + rng.normal(0, 0.015, (n, tickers)) * (np.arange(tickers) > 0)
    close = 20.0 * np.exp(np.cumsum(returns, axis=0))
    starts = rng.integers(0, n // 2, tickers) * (rng.random(tickers) < 0.3)  # 30% list later
    close[np.arange(n)[:, None] < starts] = np.nan
    close[rng.random((n, tickers)) < 0.001] = np.nan  # scattered missing days
    spread = np.abs(rng.normal(0, 0.008, (n, tickers)))
    frames = {
        "close": close,
        "adj_close": close * np.exp(-0.00005 * np.arange(n)[::-1, None]),
        "high": close * (1 + spread),
        "low": close * (1 - spread),
    }
    # Wide frames directly (what the store's load_history produces), without per-ticker copies.
    wide = {k: pd.DataFrame(v, index=days, columns=names) for k, v in frames.items()}
    prices = PriceHistory(
        close=wide["close"],
        adj_close=wide["adj_close"],
        high=wide["high"],
        low=wide["low"],
        source_label="synthetic benchmark",
        synthetic=True,
    )
    groups = {
        f"g{g:02d}": {
            "label": f"Group {g}",
            "benchmark": "SPY",
            "category": "bench",
            "tickers": names[1 + g * 100 : 1 + (g + 1) * 100],
        }
        for g in range((tickers - 1 + 99) // 100)
    }
    settings = Settings.model_validate(
        {
            "benchmark": "SPY",
            "groups": {k: v for k, v in groups.items() if v["tickers"]},
            "pairs": [
                {"long": names[1], "short": names[2], "label": "a pair", "category": "bench"},
                {"long": names[1], "short": "SPY", "label": "vs SPY", "category": "bench"},
            ],
        }
    )
    return prices, settings


def bench_universe(tickers: int, years: int, seed: int) -> None:
    started = time.perf_counter()
    prices, settings = synthetic_universe(tickers, years, seed)
    built = time.perf_counter() - started
    resident = _status_mb("VmRSS")
    measured = reset_peak()
    as_of = prices.last_day
    wall, cpu = time.perf_counter(), time.process_time()
    report = compute_signals(prices, settings, as_of)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    data_mb = sum(
        f.memory_usage(deep=False).sum() for f in (prices.close, prices.adj_close, prices.high, prices.low)
    )
    print(
        f"universe: {tickers} tickers x {len(prices.close)} days ({years} years), built in {built:.1f}s; "
        f"the four price frames hold {data_mb / 2**20:.0f} MB"
    )
    print(f"  compute_signals as of {as_of}: {wall:.2f}s wall, {cpu:.2f}s CPU")
    if measured:
        print(
            f"  peak RSS during compute_signals: {_status_mb('VmHWM'):.0f} MB "
            f"(resident before it, data included: {resident:.0f} MB)"
        )
    else:
        print(f"  peak RSS of the process: {peak_rss_mb():.0f} MB (includes building the data)")
    print(
        f"  {len(report.instruments)} instruments, {len(report.rrg)} RRG points, "
        f"{len(report.breadth)} breadth snapshots, {len(report.headlines)} headlines"
    )


def bench_issue() -> None:
    settings = load_settings(ROOT / "newsletter.toml")
    source = DemoSource(seed=settings.data.demo_seed)
    result = source.fetch(settings.tickers, date(2005, 1, 1))
    prices = history_from_bars(result.bars, source_label=source.label, synthetic=True)
    fridays = [d.date() for d in pd.date_range(end=prices.last_day, periods=52, freq="W-FRI")]
    compute_signals(prices, settings, fridays[0])  # warm-up (imports, first-call caches)
    wall, cpu = time.perf_counter(), time.process_time()
    for friday in fridays:
        compute_signals(prices, settings, friday)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"default universe ({len(settings.tickers)} ETFs, demo data): compute_signals per issue "
        f"{1000 * wall / 52:.0f} ms wall, {1000 * cpu / 52:.0f} ms CPU; 52 issues {wall:.1f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=3000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-universe", action="store_true")
    args = parser.parse_args()
    bench_issue()
    if not args.skip_universe:
        bench_universe(args.tickers, args.years, args.seed)


if __name__ == "__main__":
    main()
