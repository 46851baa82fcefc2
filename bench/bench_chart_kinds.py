"""CPU per PNG of each chart kind on real data, beside a bare matplotlib figure of the same size.

    .venv/bin/python bench/bench_chart_kinds.py [--weeks 12] [--rounds 3] [--prices DIR]

The jobs are what the real pipeline plans for real weeks: a throwaway workspace fetches the
CSV folder of adjusted closes (``../shared/data/prices/adjusted-closes``), drafts ``--weeks``
Fridays spread over its history (each published, so later weeks have open calls), and keeps
every chart job it plans, with the variants the workspace asks for (light and dark, wide and
narrow); a track-record chart is added from the calls so far. Each job is then drawn through
the chart engine (``draw_charts``, no cache, one process: what a pool worker does) and timed
in process CPU time; a job's time is shared out over the PNGs it writes. The reference is a bare
matplotlib figure of the same size (1200 x 675 px, 150 dpi): a new ``Figure`` with one
line of three years of daily closes on a date axis, saved with ``savefig(format="png")``
at matplotlib's defaults. Kinds and the bare figure alternate, ``--rounds`` times, so both
see the same machine; the figures are medians per PNG. Results go to bench/out/chart-kinds.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from generator import pipeline  # noqa: E402
from generator.calls.ledger import read_issue, score_ledger  # noqa: E402
from generator.charts import (  # noqa: E402
    CallOutcome,
    ChartCache,
    ChartFrame,
    ChartJob,
    build_track_record_chart,
    chart_variants,
    draw_charts,
)
from generator.config import SourceSpec, load_settings  # noqa: E402
from generator.issue.context import DraftInputs  # noqa: E402
from generator.issue.text import template_env  # noqa: E402
from generator.issue.weeks import issue_fridays  # noqa: E402
from generator.workspace import WORKSPACE_FILES  # noqa: E402

PRICES = REPO.parent / "shared" / "data" / "prices" / "adjusted-closes"


def make_workspace(folder: Path) -> Path:
    """The repository's workspace files in ``folder``."""
    for name in WORKSPACE_FILES:
        src, dst = REPO / name, folder / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    return folder


def plan(folder: Path, prices_dir: Path, weeks: int) -> list[ChartJob]:
    """Every chart job of ``weeks`` real Fridays (as the workspace plans them), plus a track-record chart."""
    spec = SourceSpec.parse(f"csv:{prices_dir}")
    settings = load_settings(make_workspace(folder) / "newsletter.toml", **{"charts.dark_variants": True})
    pipeline.fetch_prices(settings, spec, now=datetime.now(UTC))
    prices = pipeline.load_prices(settings, spec)
    fridays = issue_fridays(date(2010, 1, 1), prices.last_day)
    step = max(1, len(fridays) // weeks)
    chosen = fridays[::step][-weeks:]
    jobs: list[ChartJob] = []
    inputs = DraftInputs(prices, None, [], template_env(settings))
    published = inputs.published
    for friday in chosen:
        result = pipeline.draft_issue(
            settings, inputs, friday, source=spec, auto_published=True, chart_jobs=jobs
        )
        published.append(read_issue(result.outcome.path, settings.tickers))
    scores = score_ledger(published, prices, prices.last_day)
    outcomes = [
        CallOutcome(s.call.id, s.call.position, s.call.issue_date or date.min, s.result_pct, s.status)
        for s in scores
    ]
    frame = ChartFrame(settings.site.title, prices.last_day, f"Data: {prices.source_label}")
    path = folder / "track-record.png"
    try:  # the engine with variants: one job, dark and narrow copies
        made = chart_variants(
            path, build_track_record_chart, dark=True, narrow=True, outcomes=outcomes, frame=frame
        )
    except TypeError:  # the engine before them: a light and a dark job
        made = chart_variants(path, build_track_record_chart, dark=True, outcomes=outcomes, frame=frame)
    jobs.extend(made if isinstance(made, list) else [made])
    return jobs


def kind_of(job: ChartJob) -> str:
    """``build_ratio_chart`` (with the theme when a job is drawn in one theme only: ``/dark``)."""
    theme = job.draw.keywords.get("theme")
    return job.draw.func.__name__ + (f"/{theme.name}" if theme is not None else "")


def outputs_of(job: ChartJob) -> int:
    """How many PNGs the job writes (its variants), 1 for engines without variants."""
    return len(getattr(job, "outputs", [job]))


def bare_png(x: pd.DatetimeIndex, y: np.ndarray) -> bytes:
    """A bare matplotlib line chart of the charts' size, saved at matplotlib's defaults."""
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.style.context("default"):
        fig = Figure(figsize=(8.0, 4.5), dpi=150)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.plot(x, y)
        ax.set_title("A bare line chart")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


def cpu_of(call) -> float:  # noqa: ANN001
    started = time.process_time()
    call()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=12, help="Real Fridays to plan charts for.")
    parser.add_argument("--rounds", type=int, default=3, help="Times every kind and the bare figure run.")
    parser.add_argument("--prices", type=Path, default=PRICES, help="A CSV folder of adjusted closes.")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-kinds-"))
    try:
        jobs = plan(root / "ws", args.prices, args.weeks)
        by_kind: dict[str, list[ChartJob]] = defaultdict(list)
        for number, job in enumerate(jobs):
            by_kind[kind_of(job)].append(dataclasses.replace(job, path=root / "out" / f"{number}.png"))
        x = pd.bdate_range("2022-01-03", periods=756)
        y = 100 * np.exp(np.cumsum(np.random.default_rng(1).normal(0, 0.01, 756)))
        bare_png(x, y)  # warm-up: fonts, caches
        for group in by_kind.values():
            draw_charts(group[:1], cache=ChartCache(None), workers=1)
        times: dict[str, list[float]] = defaultdict(list)
        sizes: dict[str, list[int]] = defaultdict(list)
        load = os.getloadavg()
        for _ in range(args.rounds):
            for kind, group in sorted(by_kind.items()):
                for job in group:
                    spent = cpu_of(lambda job=job: draw_charts([job], cache=ChartCache(None), workers=1))
                    times[kind] += [spent / outputs_of(job)] * outputs_of(job)
                    sizes[kind].append(job.path.stat().st_size)
                for _ in range(max(2, len(group) // 2)):
                    times["bare figure"].append(cpu_of(lambda: bare_png(x, y)))
        sizes["bare figure"].append(len(bare_png(x, y)))
        bare = statistics.median(times["bare figure"])
        print(
            f"load average before: {' '.join(f'{v:.1f}' for v in load)}; after: "
            f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}; {len(jobs)} jobs over {args.weeks} weeks"
        )
        print(f"{'kind':<38} {'PNGs':>5} {'CPU ms/PNG':>11} {'x bare':>7} {'KB/PNG':>7}")
        rows = []
        for kind in [*sorted(k for k in times if k != "bare figure"), "bare figure"]:
            per = statistics.median(times[kind])
            kb = statistics.median(sizes[kind]) / 1024
            print(f"{kind:<38} {len(times[kind]):>5} {1000 * per:>11.1f} {per / bare:>7.2f} {kb:>7.1f}")
            rows.append(
                {
                    "kind": kind,
                    "pngs": len(times[kind]),
                    "cpu_ms_per_png": round(1000 * per, 1),
                    "x_bare": round(per / bare, 2),
                    "kb_per_png": round(kb, 1),
                }
            )
        target = REPO / "bench" / "out" / "chart-kinds.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            json.dumps({"load_average": load, "weeks": args.weeks, "rows": rows}, indent=2) + "\n"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
