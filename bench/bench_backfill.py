"""A long real-data backfill with dark charts: `rotation backfill` over every Friday from 2006.

    .venv/bin/python bench/bench_backfill.py [--from 2006-01-06] [--to LAST] [--repeat 1] [--prices DIR]

A throwaway workspace fetches the CSV folder of adjusted closes
(``../shared/data/prices/adjusted-closes``; not timed), then ``rotation backfill`` drafts one
issue per Friday with light and dark charts (``[charts] dark_variants = true``, the default),
one worker per core, cold chart cache. Each run is a fresh measuring process (bench/common.py):
wall time and the CPU time of the whole process tree, chart pool included. A shorter
``--from``/``--to`` gives a slice; the line per run also says the CPU per week and per PNG.
Results go to bench/out/backfill.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import measure, median, progress  # noqa: E402
from runner import make_workspace  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PRICES = REPO.parent / "shared" / "data" / "prices" / "adjusted-closes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="first", default="2006-01-06", help="First Friday.")
    parser.add_argument("--to", dest="last", default="2026-07-10", help="Last Friday.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs (median shown).")
    parser.add_argument("--prices", type=Path, default=PRICES, help="A CSV folder of adjusted closes.")
    parser.add_argument(
        "--no-narrow", action="store_true", help="Without the phone copies ([charts] narrow_variants false)."
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    rotation = [sys.executable, "-m", "generator"]
    runs = []
    try:
        store = None
        for number in range(args.repeat):
            ws = make_workspace(root / f"ws-{number}", source=f"csv:{args.prices}")
            if args.no_narrow:
                toml = ws / "newsletter.toml"
                text = toml.read_text().replace("narrow_variants = true", "narrow_variants = false", 1)
                toml.write_text(text)
            config = ["--config", str(ws / "newsletter.toml")]
            if store is None:
                progress("fetching the CSV folder into the store (not timed)")
                measure([*rotation, *config, "fetch"], cwd=ws)
                store = ws / ".store"
            else:
                shutil.copytree(store, ws / ".store")
            cmd = [*rotation, *config, "backfill", "--from", args.first, "--to", args.last]
            load = os.getloadavg()[0]
            result = measure(cmd, cwd=ws, timeout_s=4 * 3600)
            pngs = sum(1 for _ in (ws / "content" / "assets" / "charts").rglob("*.png"))
            weeks = sum(1 for _ in (ws / "content" / "issues" / "posts").glob("*.md"))
            runs.append(
                {
                    "wall_s": result.wall_s,
                    "cpu_s": result.cpu_s,
                    "peak_rss_mb": result.peak_rss_mb,
                    "weeks": weeks,
                    "pngs": pngs,
                    "load_at_start": load,
                }
            )
            progress(
                f"run {number + 1}/{args.repeat}: {weeks} weeks, {pngs} PNGs in {result.wall_s:.1f} s wall, "
                f"{result.cpu_s:.1f} s CPU ({result.cpu_s / max(weeks, 1):.2f} s/week, "
                f"{1000 * result.cpu_s / max(pngs, 1):.0f} ms/PNG all in), load {load:.1f} at the start"
            )
            shutil.rmtree(ws, ignore_errors=True)
        summary = {
            "from": args.first,
            "to": args.last,
            "cpu_count": os.cpu_count(),
            "median_wall_s": median([r["wall_s"] for r in runs]),
            "median_cpu_s": median([r["cpu_s"] for r in runs]),
            "runs": runs,
        }
        print(json.dumps(summary, indent=2))
        target = REPO / "bench" / "out" / "backfill.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(summary, indent=2) + "\n")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
