"""Every benchmark, one table: `bench/run [--repeat 3] [--quick] [--only a,b] [--out bench/results.md]`.

Each figure is the median of ``--repeat`` runs, each run in a fresh measuring process
(``bench/common.py``) that reports wall time, the CPU time of the whole process tree (chart
pools and MkDocs included) and the peak RSS of its largest process. The machine is printed
above the table; the table also goes to bench/results.md. Progress goes to stderr. Temporary
folders are removed at the end; the long-lived fixtures (the 3,000-ticker Parquet store and
the 520-issue archive) are kept under bench/out/ and reused, since making them is not what
is measured. The exit status is 1 when any step failed (the table still shows the others).

Steps (``--only``):

- ``install``: a fresh venv and ``pip install`` of this checkout (pip's cache allowed);
- ``demo``: ``rotation demo`` (52 weeks) with that fresh install, in a fresh workspace;
- ``rebuild``: a second ``rotation build`` of the demo workspace with nothing changed;
- ``weekly``: ``rotation weekly --source demo`` (incremental fetch + the week's draft, cold
  chart cache) on the default universe;
- ``signals``: every signal for 3,000 synthetic tickers x 20 years (a wide frame);
- ``store``: loading those 3,000 tickers x 20 years from the Parquet store;
- ``charts``: charts per second drawing a backfill's charts, cold cache and warm cache;
- ``site``: ``rotation build --full`` of a 520-issue archive against a bare Material build
  of the same posts.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import (  # noqa: E402
    REPO,
    Measurement,
    StepFailed,
    emit,
    machine,
    measure,
    median,
    progress,
    remove_tree,
)

from generator.workspace import WORKSPACE_FILES  # noqa: E402

STEPS = ("install", "demo", "rebuild", "weekly", "signals", "store", "charts", "site")
OUT = REPO / "bench" / "out"


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark is (``--quick`` shrinks them for a smoke run)."""

    demo_weeks: int = 52
    tickers: int = 3000
    years: int = 20
    chart_weeks: int = 8
    site_weeks: int = 520


QUICK = Sizes(demo_weeks=6, tickers=300, years=5, chart_weeks=2, site_weeks=20)


@dataclass
class Row:
    """One line of the table."""

    name: str
    unit: str  # "s" or "charts/s"
    values: list[float] = field(default_factory=list)
    runs: list[Measurement] = field(default_factory=list)
    budget: str = ""
    within: Callable[[float], bool] | None = None
    note: str = ""
    failed: str = ""

    def add(self, value: float, run: Measurement) -> None:
        self.values.append(value)
        self.runs.append(run)

    def cells(self) -> list[str]:
        if self.failed:
            return [self.name, "FAILED", "-", "-", "-", self.budget, "no", self.failed]
        if not self.values:
            return [self.name, "not run", "-", "-", "-", self.budget, "-", self.note]
        value = median(self.values)
        shown = f"{value:.1f} {self.unit}" if value < 100 or self.unit != "s" else f"{value:.0f} s"
        measured = self.unit != "x"  # a ratio of two other rows has no process of its own
        cpu = f"{median([r.cpu_s for r in self.runs]):.1f} s" if measured else "-"
        rss = f"{max(r.peak_rss_mb for r in self.runs):.0f} MB" if measured else "-"
        verdict = "-" if self.within is None else ("yes" if self.within(value) else "NO")
        return [self.name, shown, str(len(self.values)), cpu, rss, self.budget, verdict, self.note]


HEADER = ["benchmark", "median", "runs", "CPU (tree)", "peak RSS", "budget", "within", "notes"]


def make_workspace(folder: Path, *, source: str | None = None) -> Path:
    """A copy of the repository's workspace files (not its content) in ``folder``."""
    for name in WORKSPACE_FILES:
        src, dst = REPO / name, folder / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    if source is not None:
        toml = folder / "newsletter.toml"
        toml.write_text(toml.read_text().replace('source = "yfinance"', f'source = "{source}"', 1))
    return folder


class Bench:
    """The steps, sharing a temporary folder and the fresh install between them."""

    def __init__(self, repeat: int, sizes: Sizes, tmp: Path) -> None:
        self.repeat = repeat
        self.sizes = sizes
        self.tmp = tmp
        self.py = sys.executable
        self.rotation = [self.py, "-m", "generator"]  # the checkout's own, until a fresh install
        self.demo_ws: Path | None = None

    def run(self, label: str, cmd: list[str], **kw: object) -> Measurement:
        result = measure(cmd, **kw)  # type: ignore[arg-type]
        progress(
            f"  {label}: {result.wall_s:.1f} s wall, {result.cpu_s:.1f} s CPU, {result.peak_rss_mb:.0f} MB"
        )
        return result

    # --- 1. install and demo ----------------------------------------------------------------

    def install(self, row: Row) -> None:
        base = getattr(sys, "_base_executable", self.py)
        for i in range(self.repeat):
            venv = self.tmp / f"venv-{i}"
            cmd = ["bash", "-c", f'"{base}" -m venv "{venv}" && "{venv}/bin/pip" install -q "{REPO}"']
            row.add((m := self.run(f"install {i + 1}/{self.repeat}", cmd)).wall_s, m)
            if i:
                remove_tree(self.tmp / f"venv-{i - 1}")
        self.rotation = [str(self.tmp / f"venv-{self.repeat - 1}" / "bin" / "rotation")]

    def demo(self, row: Row) -> None:
        weeks = str(self.sizes.demo_weeks)
        for i in range(self.repeat):
            ws = make_workspace(self.tmp / f"demo-{i}")
            cmd = [*self.rotation, "--config", str(ws / "newsletter.toml"), "demo", "--weeks", weeks]
            row.add((m := self.run(f"demo {i + 1}/{self.repeat}", cmd, cwd=ws)).wall_s, m)
            if self.demo_ws is not None:
                remove_tree(self.demo_ws)
            self.demo_ws = ws

    def rebuild(self, row: Row) -> None:
        if self.demo_ws is None:
            progress("  (a demo first, not timed)")
            self.demo(Row("untimed demo", "s"))
        assert self.demo_ws is not None
        cmd = [*self.rotation, "--config", str(self.demo_ws / "newsletter.toml"), "build"]
        for i in range(self.repeat):
            m = self.run(f"build {i + 1}/{self.repeat}", cmd, cwd=self.demo_ws)
            if "MkDocs skipped" not in m.output:
                row.note = "MkDocs ran (not skipped)"
            row.add(m.wall_s, m)
        if not row.note:
            row.note = "MkDocs skipped (site unchanged)"

    # --- 3. weekly ---------------------------------------------------------------------------

    def weekly(self, row: Row) -> None:
        ws = make_workspace(self.tmp / "weekly", source="demo")
        config = ["--config", str(ws / "newsletter.toml")]
        progress("  fetching the demo store once (not timed)")
        measure([*self.rotation, *config, "fetch", "--source", "demo"], cwd=ws)
        for i in range(self.repeat):
            for folder in ("content/issues/posts", "content/assets/charts", ".cache"):
                remove_tree(ws / folder)
            cmd = [*self.rotation, *config, "weekly", "--source", "demo"]
            row.add((m := self.run(f"weekly {i + 1}/{self.repeat}", cmd, cwd=ws)).wall_s, m)
        row.note = "incremental fetch + draft, cold chart cache"
        remove_tree(ws)

    # --- 4-5. signals and store ---------------------------------------------------------------

    def signals(self, row: Row) -> None:
        s = self.sizes
        cmd = [self.py, __file__, "_signals", str(s.tickers), str(s.years)]
        for i in range(self.repeat):
            m = self.run(f"signals {i + 1}/{self.repeat}", cmd)
            row.add(m.extra["compute_s"], m)
        row.note = f"{s.tickers} tickers x {s.years} y; compute_signals only (peak RSS: whole process)"

    def store(self, row: Row) -> None:
        s = self.sizes
        folder = OUT / f"store-{s.tickers}x{s.years}"
        progress(f"  building the store in {folder} once (reused)")
        measure([self.py, __file__, "_store_build", str(folder), str(s.tickers), str(s.years)])
        cmd = [self.py, str(REPO / "bench" / "bench_store.py"), "--load-only", "--out", str(folder)]
        for i in range(self.repeat):
            m = self.run(f"store load {i + 1}/{self.repeat}", cmd)
            row.add(m.extra["load_s"], m)
        row.note = f"load_history of {s.tickers} tickers x {s.years} y into wide frames"

    # --- 6. charts -----------------------------------------------------------------------------

    def charts(self, cold: Row, warm: Row) -> None:
        weeks = str(self.sizes.chart_weeks)
        plan = self.tmp / "jobs.pkl"
        progress(f"  planning a {weeks}-week backfill's charts (not timed)")
        measure([self.py, __file__, "_charts_plan", weeks, str(plan), str(self.tmp / "charts-ws")])
        workers = str(os.cpu_count() or 1)
        for i in range(self.repeat):
            cache = self.tmp / f"chart-cache-{i}"
            cmd = [self.py, __file__, "_charts_draw", str(plan), str(cache), workers]
            m = self.run(f"charts cold {i + 1}/{self.repeat}", cmd)
            cold.add(m.extra["charts_per_s"], m)
            m = self.run(f"charts warm {i + 1}/{self.repeat}", cmd)
            if m.extra["drawn"]:
                raise StepFailed(f"a warm chart run redrew {m.extra['drawn']} charts")
            warm.add(m.extra["charts_per_s"], m)
            remove_tree(cache)
        cold.note = f"{m.extra['charts']} charts of a {weeks}-week backfill, {workers} processes"
        warm.note = "same charts, every one from the cache"

    # --- 7. site -------------------------------------------------------------------------------

    def site(self, ours: Row, bare: Row, ratio: Row) -> None:
        weeks = self.sizes.site_weeks
        progress(
            f"  the {weeks}-issue archive in bench/out/ws-{weeks} (drafted once, then reused; "
            "about ten minutes the first time for 520)"
        )
        measure([self.py, __file__, "_site_archive", str(weeks)], timeout_s=4 * 3600)
        ws = OUT / f"ws-{weeks}"
        bare_ws = OUT / f"ws-{weeks}-bare"
        measure([self.py, __file__, "_site_bare", str(weeks)])
        build = [self.py, "-m", "generator", "--config", str(ws / "newsletter.toml"), "build", "--full"]
        mkdocs = [self.py, "-m", "mkdocs", "build", "-q"]
        env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
        for i in range(self.repeat):
            ours.add((m := self.run(f"rotation build --full {i + 1}/{self.repeat}", build, cwd=ws)).wall_s, m)
            bare.add(
                (
                    m := self.run(f"bare mkdocs build {i + 1}/{self.repeat}", mkdocs, cwd=bare_ws, env=env)
                ).wall_s,
                m,
            )
        ours.note = f"{weeks} issues: ledger, ticker pages, tags, RSS, overrides (MkDocs forced)"
        bare.note = "the same posts and charts, plain mkdocs.yml (Material + blog + search)"
        value = median(ours.values) / median(bare.values)
        ratio.values.append(value)
        ratio.runs.append(Measurement(0.0, 0.0, 0.0))
        ratio.note = "median of ours / median of bare"


# --- the measured bodies run in child processes ------------------------------------------------


def child_signals(tickers: int, years: int) -> None:
    from bench_signals import synthetic_universe

    from generator.signals import compute_signals

    started = time.perf_counter()
    prices, settings = synthetic_universe(tickers, years, seed=7)
    built = time.perf_counter() - started
    started = time.perf_counter()
    report = compute_signals(prices, settings, prices.last_day)
    emit(
        {"build_s": built, "compute_s": time.perf_counter() - started, "instruments": len(report.instruments)}
    )


def child_store_build(folder: Path, tickers: int, years: int) -> None:
    from bench_store import build

    build(folder, tickers, years)


def child_charts_plan(weeks: int, plan: Path, ws: Path) -> None:
    from bench_charts import plan as plan_jobs

    jobs, _, _ = plan_jobs(weeks, False, ws)
    plan.write_bytes(pickle.dumps(jobs))


def child_charts_draw(plan: Path, cache_dir: Path, workers: int) -> None:
    from generator.charts import ChartCache, draw_charts

    jobs = pickle.loads(plan.read_bytes())
    out = cache_dir.parent / f"{cache_dir.name}-out"
    moved = [dataclasses.replace(j, path=out / j.path.parent.name / j.path.name) for j in jobs]
    stats = draw_charts(moved, cache=ChartCache(cache_dir), workers=workers)
    emit(
        {
            "charts": stats.jobs,
            "drawn": stats.drawn,
            "seconds": stats.seconds,
            "charts_per_s": stats.jobs / stats.seconds if stats.seconds else 0.0,
        }
    )


def child_site_archive(weeks: int) -> None:
    from bench_site import archive

    workspace = archive(weeks)
    # A reused archive builds with this checkout's site configuration, not the one it was made with.
    shutil.copy2(REPO / "mkdocs.yml", workspace / "mkdocs.yml")
    shutil.rmtree(workspace / "overrides", ignore_errors=True)
    shutil.copytree(REPO / "overrides", workspace / "overrides")
    shutil.rmtree(workspace / "hooks", ignore_errors=True)
    shutil.copytree(REPO / "hooks", workspace / "hooks", ignore=shutil.ignore_patterns("__pycache__"))


def child_site_bare(weeks: int) -> None:
    from bench_site import bare_workspace

    bare_workspace(OUT / f"ws-{weeks}")


CHILDREN: dict[str, Callable[[list[str]], None]] = {
    "_signals": lambda a: child_signals(int(a[0]), int(a[1])),
    "_store_build": lambda a: child_store_build(Path(a[0]), int(a[1]), int(a[2])),
    "_charts_plan": lambda a: child_charts_plan(int(a[0]), Path(a[1]), Path(a[2])),
    "_charts_draw": lambda a: child_charts_draw(Path(a[0]), Path(a[1]), int(a[2])),
    "_site_archive": lambda a: child_site_archive(int(a[0])),
    "_site_bare": lambda a: child_site_bare(int(a[0])),
}


# --- the table -------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    cells = [HEADER, *[r.cells() for r in rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    lines = ["| " + " | ".join(c[i].ljust(widths[i]) for i in range(len(HEADER))) + " |" for c in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def report(rows: list[Row], info: dict[str, str], args: argparse.Namespace, seconds: float) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; "
        f"Python {info['python']}; {info['os']}",
        f"Load average at the start: {info['load']}. Run {stamp}, repeat={args.repeat}"
        f"{', --quick' if args.quick else ''}; took {seconds / 60:.1f} min.",
        "",
    ]
    return "\n".join(head) + table(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="Runs per figure (the median is shown).")
    parser.add_argument("--quick", action="store_true", help="A smoke run: 1 repeat, small sizes.")
    parser.add_argument("--only", help=f"Comma-separated steps: {','.join(STEPS)}.")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.md", help="Markdown table.")
    args = parser.parse_args()
    if args.quick:
        args.repeat = 1
    steps = args.only.split(",") if args.only else list(STEPS)
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        parser.error(f"unknown step(s) {', '.join(unknown)}; choose from {', '.join(STEPS)}")
    sizes = QUICK if args.quick else Sizes()
    info = machine()
    started = time.perf_counter()
    progress(f"{info['cpu']}, {info['cores']} cores, {info['ram']}; steps: {', '.join(steps)}")
    demo_weeks = sizes.demo_weeks
    rows = {
        "install": Row("1a. fresh venv + pip install", "s", budget="(timed apart from the demo)"),
        "demo": Row(
            f"1b. rotation demo ({demo_weeks} weeks)",
            "s",
            budget="well under a minute (2 cores)",
            within=lambda v: v < 60,
        ),
        "rebuild": Row(
            "2. second rotation build, nothing changed", "s", budget="a few seconds", within=lambda v: v < 5
        ),
        "weekly": Row("3. weekly run, default universe (demo)", "s", budget="none set"),
        "signals": Row(
            f"4. signals, {sizes.tickers} tickers x {sizes.years} y",
            "s",
            budget="seconds, under 2 GB",
            within=lambda v: v < 60,
        ),
        "store": Row(
            f"5. load {sizes.tickers} tickers from Parquet",
            "s",
            budget="under 5 s, 2 GB",
            within=lambda v: v < 5,
        ),
        "charts_cold": Row("6a. charts, cold cache", "charts/s", budget="none set"),
        "charts_warm": Row("6b. charts, warm cache", "charts/s", budget="none set"),
        "site": Row(f"7a. site build, {sizes.site_weeks} issues", "s", budget="-"),
        "bare": Row(f"7b. bare Material build, {sizes.site_weeks} issues", "s", budget="-"),
        "ratio": Row("7c. site build / bare", "x", budget="within 2x", within=lambda v: v <= 2),
    }
    tmp = Path(tempfile.mkdtemp(prefix="rotation-bench-"))
    bench = Bench(args.repeat, sizes, tmp)
    plan: list[tuple[str, Callable[[], None], list[Row]]] = [
        ("install", lambda: bench.install(rows["install"]), [rows["install"]]),
        ("demo", lambda: bench.demo(rows["demo"]), [rows["demo"]]),
        ("rebuild", lambda: bench.rebuild(rows["rebuild"]), [rows["rebuild"]]),
        ("weekly", lambda: bench.weekly(rows["weekly"]), [rows["weekly"]]),
        ("signals", lambda: bench.signals(rows["signals"]), [rows["signals"]]),
        ("store", lambda: bench.store(rows["store"]), [rows["store"]]),
        (
            "charts",
            lambda: bench.charts(rows["charts_cold"], rows["charts_warm"]),
            [rows["charts_cold"], rows["charts_warm"]],
        ),
        (
            "site",
            lambda: bench.site(rows["site"], rows["bare"], rows["ratio"]),
            [rows["site"], rows["bare"], rows["ratio"]],
        ),
    ]
    shown: list[Row] = []
    failed = False
    try:
        for name, step, step_rows in plan:
            if name not in steps:
                continue
            progress(f"step {name}")
            try:
                step()
            except (StepFailed, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as exc:
                failed = True
                progress(f"step {name} FAILED: {exc}")
                for row in step_rows:
                    row.failed = str(exc).splitlines()[0][:80]
            shown.extend(step_rows)
    finally:
        remove_tree(tmp)
    text = report(shown, info, args, time.perf_counter() - started)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# Benchmark results (`bench/run`)\n\n" + text)
    progress(f"wrote {args.out}; took {(time.perf_counter() - started) / 60:.1f} min")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in CHILDREN:
        CHILDREN[sys.argv[1]](sys.argv[2:])
        sys.exit(0)
    sys.exit(main())
