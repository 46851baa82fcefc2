"""Charts per second: one issue and a 52-week backfill, cold and warm cache, one process and a pool.

    .venv/bin/python bench/bench_charts.py [--weeks 52] [--dark/--no-dark]

The jobs come from the real pipeline (demo data, `draft_issue(..., chart_jobs=...)` in a
throwaway workspace, the way `rotation demo` plans them); only the drawing is timed. A warm
re-run must draw nothing and write nothing. Results go to bench/out/charts.json too.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator import pipeline  # noqa: E402
from generator.calls.ledger import read_issue  # noqa: E402
from generator.charts import ChartCache, ChartJob, draw_charts  # noqa: E402
from generator.config import load_settings  # noqa: E402
from generator.issue.context import DraftInputs  # noqa: E402
from generator.issue.text import template_env  # noqa: E402
from generator.issue.weeks import issue_fridays  # noqa: E402
from tests.helpers import DEMO, NOW, make_workspace  # noqa: E402


def plan(weeks: int, dark: bool, folder: Path) -> tuple[list[ChartJob], list[ChartJob], float]:
    """Every chart job of a ``weeks``-week demo backfill, and those of its last issue."""
    settings = load_settings(make_workspace(folder) / "newsletter.toml", **{"charts.dark_variants": dark})
    pipeline.fetch_prices(settings, DEMO, now=NOW)
    prices = pipeline.load_prices(settings, DEMO)
    fridays = issue_fridays(prices.first_day, prices.last_day)[-weeks:]
    started = time.perf_counter()
    jobs: list[ChartJob] = []
    inputs = DraftInputs(prices, None, [], template_env(settings))
    last: list[ChartJob] = []
    for friday in fridays:
        mark = len(jobs)
        result = pipeline.draft_issue(
            settings, inputs, friday, source=DEMO, auto_published=True, chart_jobs=jobs
        )
        inputs.published.append(read_issue(result.outcome.path, settings.tickers))
        last = jobs[mark:]
    return jobs, last, time.perf_counter() - started


def timed(label: str, jobs: list[ChartJob], cache: ChartCache, workers: int) -> dict[str, object]:
    cpu = time.process_time()
    stats = draw_charts(jobs, cache=cache, workers=workers)
    cpu = time.process_time() - cpu  # this process only: meaningful when it drew inline
    row = {
        "run": label,
        "charts": stats.jobs,
        "drawn": stats.drawn,
        "from_cache": stats.cached,
        "files_written": stats.written,
        "processes": stats.workers,
        "seconds": round(stats.seconds, 3),
        "charts_per_s": round(stats.jobs / stats.seconds, 1) if stats.seconds else None,
        "cpu_ms_per_drawn_chart": round(1000 * cpu / stats.drawn, 1)
        if stats.drawn and stats.workers == 1
        else None,
    }
    print(
        f"{label:<38} {stats.jobs:>5} charts {stats.drawn:>5} drawn {stats.written:>5} written "
        f"{stats.workers} proc {stats.seconds:7.2f}s {row['charts_per_s']:>7} charts/s "
        f"cpu/chart {row['cpu_ms_per_drawn_chart']} ms",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--dark", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--reuse-plan", action="store_true", help="Reuse bench/out/jobs-*.pkl.")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-charts-"))
    saved = REPO / "bench" / "out" / f"jobs-{args.weeks}w-{'dark' if args.dark else 'light'}.pkl"
    try:
        if args.reuse_plan and saved.is_file():
            jobs, last, planning_s = pickle.loads(saved.read_bytes())
        else:
            jobs, last, planning_s = plan(args.weeks, args.dark, root / "ws")
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_bytes(pickle.dumps((jobs, last, planning_s)))
        print(f"load average before drawing: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
        print(
            f"planned {len(jobs)} charts for {args.weeks} weeks ({len(last)} in the last issue) "
            f"in {planning_s:.1f}s (signals and drafts included); {os.cpu_count()} cores"
        )
        out = root / "out"
        rows = []
        for run, subset, workers in (("one issue", last, 1), ("backfill", jobs, 1), ("backfill", jobs, 2)):
            folder = out / f"{run}-{workers}"
            cache = ChartCache(folder / "cache")
            moved = [
                dataclasses.replace(j, path=folder / "content" / j.path.parent.name / j.path.name)
                for j in subset
            ]
            rows.append(timed(f"{run}, cold cache, {workers} process(es)", moved, cache, workers))
            rows.append(timed(f"{run}, warm cache", moved, ChartCache(folder / "cache"), workers))
            assert rows[-1]["drawn"] == 0 and rows[-1]["files_written"] == 0, "a warm re-run redrew something"
        # Does a pool pay for one issue's handful of charts? Force one and see.
        started = time.perf_counter()
        forced_jobs = [ChartJob(out / "forced" / j.path.name, j.draw) for j in last]
        draw_charts(forced_jobs, cache=ChartCache(None), workers=2, min_per_worker=1)
        forced = time.perf_counter() - started
        print(f"one issue forced into a 2-process pool: {forced:.2f}s")
        rows.append(
            {
                "run": "one issue, forced 2-process pool, no cache",
                "charts": len(last),
                "seconds": round(forced, 3),
            }
        )
        target = REPO / "bench" / "out" / "charts.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        summary = {
            "weeks": args.weeks,
            "dark": args.dark,
            "planning_s": round(planning_s, 1),
            "cpu_count": os.cpu_count(),
            "load_average": os.getloadavg(),
            "rows": rows,
        }
        target.write_text(json.dumps(summary, indent=2) + "\n")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
